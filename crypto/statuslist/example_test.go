package statuslist_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/statuslist"
)

func Example() {
	agency, _ := keys.Generate(keys.ES256)
	const uri = "https://kho.dongnai.gov.vn/status/vn.dongnai.bhxh/1"
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

	// The warehouse keeps one list per agency; credential 4217 on it is
	// withdrawn (a cancelled health-insurance card).
	list, _ := statuslist.New(1, 100_000)
	_ = list.Set(4217, statuslist.Invalid)
	signed, err := (&statuslist.Token{Subject: uri, IssuedAt: now, TTL: time.Hour, List: list}).Sign(agency)
	if err != nil {
		panic(err)
	}

	// The credential carries its place on the list.
	ref, err := statuslist.ParseStatusClaim([]byte(`{"status_list":{"idx":4217,"uri":"` + uri + `"}}`))
	if err != nil {
		panic(err)
	}

	// A counter verifies the list with a key its trust list allows for
	// that URI, then looks the credential up.
	tok, err := statuslist.Verify(signed, statuslist.VerifyOptions{
		Subject: ref.URI,
		Keys: func(kid string) (*keys.PublicKey, error) {
			if kid != agency.KID() {
				return nil, errors.New("not a key of this agency")
			}
			return agency.Public(), nil
		},
		Now: now.Add(10 * time.Minute),
	})
	if err != nil {
		panic(err)
	}
	st, _ := tok.Status(ref)
	fmt.Println(st, tok.List.Len(), "entries")
	st, _ = tok.Status(statuslist.Reference{Index: 4218, URI: uri})
	fmt.Println(st)
	_, err = tok.Status(statuslist.Reference{Index: 200_000, URI: uri})
	fmt.Println(errors.Is(err, statuslist.ErrIndex))
	// Output:
	// INVALID 100000 entries
	// VALID
	// true
}
