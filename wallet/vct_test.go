package wallet_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vnwallet/citizenwallet/wallet"
)

func TestVCT(t *testing.T) {
	if got := wallet.VCT("vn.dongnai", "identity.citizen"); got != "urn:vn:dongnai:vct:identity.citizen" {
		t.Fatalf("VCT = %q", got)
	}
	for _, typ := range wallet.Types() {
		v := wallet.VCT("vn.dongnai", typ.Code)
		if code, ok := wallet.TypeOfVCT("vn.dongnai", v); !ok || code != typ.Code {
			t.Errorf("%s: TypeOfVCT(%q) = %q, %v", typ.Code, v, code, ok)
		}
		if _, ok := wallet.TypeOfVCT("vn.quangngai", v); ok {
			t.Errorf("%s: another province's registry took %q", typ.Code, v)
		}
	}
	for _, bad := range []string{"identity.citizen", "urn:vn:dongnai:vct:", "urn:vn:dongnai:vct:no.such_type", "urn:vn:dongnai:identity.citizen", "https://example.com/identity.citizen"} {
		if code, ok := wallet.TypeOfVCT("vn.dongnai", bad); ok {
			t.Errorf("TypeOfVCT(%q) = %q", bad, code)
		}
	}
}

// Every type has a metadata document naming every field in Vietnamese and
// English, marked disclosable, with sensitive data said so.
func TestTypeMetadata(t *testing.T) {
	citizen := wallet.Field{Name: "holder_citizen_id", Label: wallet.Label{VI: "Số định danh cá nhân", EN: "Personal identification number"}}
	for _, typ := range wallet.Types() {
		m, err := wallet.TypeMetadataOf("vn.dongnai", typ.Code, citizen)
		if err != nil {
			t.Fatal(err)
		}
		if m.VCT != wallet.VCT("vn.dongnai", typ.Code) || m.Name != typ.Label.VI || len(m.Display) != 2 || m.Display[0].Locale != "vi-VN" {
			t.Errorf("%s: %+v", typ.Code, m)
		}
		objs := len(typ.Objects)
		if len(m.Claims) != objs+len(typ.Fields)+1 || m.Claims[len(m.Claims)-1].Path[0] != "holder_citizen_id" {
			t.Errorf("%s: %d claims for %d fields and %d objects", typ.Code, len(m.Claims), len(typ.Fields), objs)
		}
		for i, o := range typ.Objects {
			if c := m.Claims[i]; len(c.Path) != 1 || c.Path[0] != o.Name || c.Display[0].Label != o.Label.VI {
				t.Errorf("%s: object %s: %+v", typ.Code, o.Name, c)
			}
		}
		for i, f := range typ.Fields {
			c := m.Claims[objs+i]
			want := []string{f.Name}
			if o, ok := typ.ObjectOf(f.Name); ok {
				want = []string{o.Name, f.Name}
			}
			if !slices.Equal(c.Path, want) || c.SD != "always" || c.Mandatory != f.Required || c.Display[0].Label != f.Label.VI || c.Display[1].Label != f.Label.EN {
				t.Errorf("%s.%s: %+v", typ.Code, f.Name, c)
			}
			if f.Sensitive != strings.Contains(c.Display[0].Description, "nhạy cảm") {
				t.Errorf("%s.%s: sensitive %v, description %q", typ.Code, f.Name, f.Sensitive, c.Display[0].Description)
			}
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := wallet.TypeMetadataOf("vn.dongnai", "no.such_type"); !errors.Is(err, wallet.ErrInvalid) {
		t.Fatalf("unknown type: %v", err)
	}
}
