package warehouse_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// The vct of every credential the warehouse issues is a URN whose type
// metadata document the warehouse serves at /.well-known/vct/<code>,
// naming every claim the credential can disclose; an unknown type is a
// 404.
func TestTypeMetadataServed(t *testing.T) {
	srv, ts := warehousetest.Start(t, warehouse.Config{}, nil)
	dev, _ := keys.Generate(keys.ES256)
	typ, _ := wallet.LookupType("health.insurance_card")
	rec := sample.Record(typ, 3)
	cred, err := srv.IssueCredential(rec, sample.Profile(3).CitizenID, dev.Public())
	if err != nil {
		t.Fatal(err)
	}
	// The credential's own vct and disclosures (its signature is the
	// wallet's tests' business).
	parts := strings.Split(cred, "~")
	payload := decodeSegment(t, strings.Split(parts[0], ".")[1])
	vct, _ := payload["vct"].(string)
	if vct != wallet.VCT(srv.Province(), typ.Code) {
		t.Fatalf("vct %q, want %q", vct, wallet.VCT(srv.Province(), typ.Code))
	}

	resp, err := http.Get(ts.URL + warehouse.PathTypeMetadata + typ.Code)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m wallet.TypeMetadata
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	if m.VCT != vct || m.Name != typ.Label.VI || resp.Header.Get("Cache-Control") == "" {
		t.Fatalf("metadata %+v, headers %v", m, resp.Header)
	}
	described := map[string]bool{}
	for _, c := range m.Claims {
		described[c.Path[len(c.Path)-1]] = c.SD == "always" && c.Display[0].Locale == "vi-VN" && c.Display[0].Label != ""
	}
	for _, enc := range parts[1 : len(parts)-1] {
		d, err := sdjwt.ParseDisclosure(enc)
		if err != nil {
			t.Fatal(err)
		}
		if !described[d.Name] {
			t.Errorf("disclosure %q is not described with a Vietnamese label", d.Name)
		}
	}

	for _, path := range []string{"no.such_type", "..%2f..%2fetc", ""} {
		r, err := http.Get(ts.URL + warehouse.PathTypeMetadata + path)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("%q: status %d, want 404", path, r.StatusCode)
		}
	}
}

func decodeSegment(t *testing.T, seg string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
