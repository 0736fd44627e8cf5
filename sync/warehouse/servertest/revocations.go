package servertest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/counter"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

// offlineConsent makes a real offline token of the wallet's identity
// record for audience and gives the consent in its history, as the app's
// share does (with the holder and the proof kept for a revocation).
func offlineConsent(t *testing.T, st *badgerstore.Store, h *wallet.ConsentHistory, audience string) (string, wallet.Consent) {
	t.Helper()
	ctx := context.Background()
	dev, err := client.DeviceKey(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := st.Records(ctx, wallet.Query{})
	var cred string
	for _, r := range recs {
		if r.Type == "identity.citizen" {
			cred = r.Credential
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	tok, id, err := consent.Build(consent.Request{Holder: dev, Audience: audience, Purpose: "kiem_thu", IssuedAt: now, Expires: now.Add(24 * time.Hour),
		Selections: []sdjwt.Selection{{Credential: cred, Disclose: []string{"full_name"}}}})
	if err != nil {
		t.Fatal(err)
	}
	c := wallet.Consent{ID: id, GivenAt: now, Method: "test", Purpose: wallet.Purpose{Code: "kiem_thu", Text: wallet.Label{VI: "Kiểm thử"}},
		Recipient: wallet.Recipient{Agency: audience}, Fields: []wallet.ConsentField{{FieldRef: wallet.FieldRef{RecordID: "r", Type: "identity.citizen", Claim: "full_name"}}},
		Expires: now.Add(24 * time.Hour), Holder: dev.KID(), Proof: consent.ProofOf(tok)}
	if err := h.Give(ctx, c); err != nil {
		t.Fatal(err)
	}
	return tok, c
}

// testRevocations: end to end on the store, with real wallets and a real
// counter. Another citizen cannot revoke a consent, even with its id and
// its proof; the citizen's own revocation reaches a counter through the
// signed list; a flood from one phone is throttled at its limits and the
// list stays within them.
func testRevocations(t *testing.T, f *Fixture) {
	ctx := context.Background()
	audience := f.Agency()
	st1, c1 := f.newWallet(t, 1)
	st2, c2 := f.newWallet(t, 2)
	for _, w := range []struct {
		st *badgerstore.Store
		c  *client.Client
	}{{st1, c1}, {st2, c2}} {
		if _, err := w.c.Sync(ctx, w.st, nil); err != nil {
			t.Fatal(err)
		}
	}
	h1, _ := wallet.OpenConsentHistory(ctx, st1)

	tok, given := offlineConsent(t, st1, h1, audience)
	other, _ := offlineConsent(t, st1, h1, audience)

	ctr, err := counter.Open(counter.Config{BaseURL: f.TS.URL, RootKey: f.Srv.RootKey(), Agency: audience, Dir: filepath.Join(t.TempDir(), "counter")})
	if err != nil {
		t.Fatal(err)
	}
	defer ctr.Close()

	// Citizen 2 uploads citizen 1's consent id with citizen 1's proof.
	results, err := c2.UploadRevocations(ctx, st2, []protocol.Revocation{{ConsentID: given.ID, RevokedAt: time.Now(), Proof: given.Proof}})
	if err != nil || len(results) != 1 || results[0].Status != protocol.RevocationRefused || results[0].Code != protocol.ErrCodeBadProof {
		t.Fatalf("another citizen revoking with the victim's proof: %+v, %v", results, err)
	}
	if st := ctr.Refresh(ctx); st != counter.Fresh {
		t.Fatalf("counter refresh: %v %+v", st, ctr.RevocationStatus())
	}
	if _, err := ctr.Verify(ctx, other); err != nil {
		t.Fatalf("citizen 1's token after citizen 2's attempt: %v", err)
	}

	// Citizen 1 revokes; the counter refuses the token after its refresh.
	if err := h1.Revoke(ctx, given.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := c1.SyncConsents(ctx, st1, h1, time.Now())
	if err != nil || res.RevocationsSent != 1 || len(res.RevocationsRefused) != 0 {
		t.Fatalf("citizen 1's consent sync: %+v, %v", res, err)
	}
	ctr.Refresh(ctx)
	if _, err := ctr.Verify(ctx, tok); !errors.Is(err, consent.ErrRevoked) {
		t.Errorf("the revoked token at the counter: %v; want ErrRevoked", err)
	}

	// Citizen 2's phone floods: throttled at the hourly limit.
	dev2, _ := client.DeviceKey(ctx, st2)
	flood := func(n int, tag string) []protocol.Revocation {
		out := make([]protocol.Revocation, n)
		now := time.Now().UTC().Truncate(time.Second)
		for i := range out {
			id := fmt.Sprintf("%s-%d", tag, i)
			proof, err := keys.SignJWT(dev2, sdjwt.TypKeyBinding, map[string]any{"jti": id, "aud": audience, "iat": now.Unix(), "exp": now.Add(consent.MaxLifetime).Unix()})
			if err != nil {
				t.Fatal(err)
			}
			out[i] = protocol.Revocation{ConsentID: id, RevokedAt: now, Proof: proof}
		}
		return out
	}
	_, err = c2.UploadRevocations(ctx, st2, flood(protocol.MaxRevocationsPerRequest, "big"))
	var se *client.ServerError
	if !errors.As(err, &se) || se.Code != protocol.ErrCodeTooMany {
		t.Errorf("100 revocations at once: %v; want too_many", err)
	}
	accepted := 0
	for _, r := range flood(40, "small") {
		if results, err := c2.UploadRevocations(ctx, st2, []protocol.Revocation{r}); err == nil && results[0].Status == protocol.RevocationListed {
			accepted++
		}
	}
	if accepted != 30 {
		t.Errorf("%d of 40 single revocations accepted in the hour; want the limit of 30", accepted)
	}
	ctr.Refresh(ctx)
	if st := ctr.RevocationStatus(); st.Entries != 31 || st.Stale {
		t.Errorf("the counter's list: %+v; want citizen 1's and the 30 of the flood", st)
	}

}
