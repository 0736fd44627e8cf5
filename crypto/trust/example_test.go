package trust_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
)

func Example() {
	root, _ := keys.Generate(keys.EdDSA)
	health, _ := keys.Generate(keys.ES256)
	jan2026 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	// The province signs its list with the root key.
	signed, err := trust.Sign(trust.List{
		Province:   "vn.dongnai",
		Version:    1,
		IssuedAt:   jan2026,
		NextUpdate: jan2026.AddDate(0, 0, 7),
		Issuers: []trust.Issuer{{
			ID:   "vn.dongnai.soyte",
			Name: trust.Name{VI: "Sở Y tế Đồng Nai", EN: "Dong Nai Department of Health"},
			Keys: []trust.IssuerKey{{Key: health.Public(), NotBefore: jan2026}},
		}},
	}, root)
	if err != nil {
		panic(err)
	}

	// A wallet or counter that holds the root public key verifies it ...
	list, err := trust.Verify(signed, root.Public())
	if err != nil {
		panic(err)
	}
	// ... and judges an issuer's key at a record's issue time.
	k, err := list.Key("vn.dongnai.soyte", health.KID(), jan2026.AddDate(0, 2, 0))
	fmt.Println(err == nil && k.Equal(health.Public()))
	_, err = list.Key("vn.dongnai.soyte", health.KID(), jan2026.AddDate(-1, 0, 0))
	fmt.Println(errors.Is(err, trust.ErrKeyNotValidAt))
	_, err = list.Key("vn.dongnai.congan", health.KID(), jan2026)
	fmt.Println(errors.Is(err, trust.ErrUnknownIssuer))
	// Output:
	// true
	// true
	// true
}
