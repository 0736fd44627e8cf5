package warehouse_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// With a public URL, an agency's credentials carry its https identifier
// as iss, and a verifier that has no trust list resolves the signing key
// the SD-JWT VC way: the JWT VC Issuer Metadata the warehouse serves at
// /.well-known/jwt-vc-issuer/issuers/<agency>. Compromised keys are not
// served; an unknown agency is a 404.
func TestIssuerMetadata(t *testing.T) {
	const public = "https://dulieu.dongnai.gov.vn"
	srv, ts := warehousetest.Start(t, warehouse.Config{PublicURL: public}, nil)
	dev, _ := keys.Generate(keys.ES256)
	typ, _ := wallet.LookupType("identity.citizen")
	rec := sample.Record(typ, 1)
	cred, err := srv.IssueCredential(rec, sample.Profile(1).CitizenID, dev.Public())
	if err != nil {
		t.Fatal(err)
	}
	payload := decodeSegment(t, strings.Split(strings.SplitN(cred, "~", 2)[0], ".")[1])
	iss, _ := payload["iss"].(string)
	if iss != public+warehouse.PathIssuers+rec.Issuer {
		t.Fatalf("iss %q", iss)
	}
	metaURL, err := trust.MetadataURL(iss)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(ts.URL + strings.TrimPrefix(metaURL, public))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var meta struct {
		Issuer string `json:"issuer"`
		JWKS   struct {
			Keys []json.RawMessage `json:"keys"`
		} `json:"jwks"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&meta); err != nil || resp.StatusCode != http.StatusOK || meta.Issuer != iss || len(meta.JWKS.Keys) == 0 {
		t.Fatalf("metadata %d %+v: %v", resp.StatusCode, meta, err)
	}
	byKID := map[string]*keys.PublicKey{}
	for _, raw := range meta.JWKS.Keys {
		var m map[string]any
		json.Unmarshal(raw, &m)
		delete(m, "kid") // keys.ParsePublicJWK takes the bare key members
		delete(m, "use")
		delete(m, "alg")
		bare, _ := json.Marshal(m)
		k, err := keys.ParsePublicJWK(bare)
		if err != nil {
			t.Fatal(err)
		}
		var kid string
		json.Unmarshal(mustField(t, raw, "kid"), &kid)
		if kid != k.KID() {
			t.Fatalf("served kid %q for key %s", kid, k.KID())
		}
		byKID[kid] = k
	}
	// Verified with nothing but the served keys.
	lookup := func(gotIss, kid string, _ time.Time) (*keys.PublicKey, error) {
		if gotIss != iss || byKID[kid] == nil {
			return nil, trust.ErrUnknownKey
		}
		return byKID[kid], nil
	}
	p, err := sdjwt.Verify(cred, sdjwt.VerifyOptions{IssuerKey: lookup, Holder: dev.Public()})
	if err != nil || p.Credentials[0].Issuer != iss {
		t.Fatalf("verify with the served keys: %v", err)
	}

	// After a compromise the leaked key is no longer served; the new one is.
	signedBy := func(c string) string {
		u, err := keys.ParseUnverified(strings.SplitN(c, "~", 2)[0], sdjwt.TypCredential)
		if err != nil {
			t.Fatal(err)
		}
		return u.KID()
	}
	leaked := signedBy(cred)
	if _, err := srv.CompromiseAgencyKey(context.Background(), rec.Issuer, leaked, keys.ES256); err != nil {
		t.Fatal(err)
	}
	served := func() map[string]bool {
		r, err := http.Get(ts.URL + strings.TrimPrefix(metaURL, public))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var m struct {
			JWKS struct {
				Keys []struct {
					KID string `json:"kid"`
				} `json:"keys"`
			} `json:"jwks"`
		}
		json.NewDecoder(r.Body).Decode(&m)
		out := map[string]bool{}
		for _, k := range m.JWKS.Keys {
			out[k.KID] = true
		}
		return out
	}()
	fresh, err := srv.IssueCredential(rec, sample.Profile(1).CitizenID, dev.Public())
	if err != nil {
		t.Fatal(err)
	}
	if served[leaked] || !served[signedBy(fresh)] {
		t.Fatalf("after the compromise: served %v; leaked %s, current %s", served, leaked, signedBy(fresh))
	}

	for _, path := range []string{"no.such-agency", rec.Issuer + "/x"} {
		r, err := http.Get(ts.URL + "/.well-known/jwt-vc-issuer" + warehouse.PathIssuers + path)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d", path, r.StatusCode)
		}
	}
}

func mustField(t *testing.T, raw json.RawMessage, name string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m[name] == nil {
		t.Fatalf("no %s in %s", name, raw)
	}
	return m[name]
}
