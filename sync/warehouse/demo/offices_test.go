package demo

import (
	"strings"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
)

var _ warehouse.OfficeLister = Province{}

// Every office has a valid, unique id (the issuer-id alphabet), names in
// Vietnamese and English and a known kind; every commune and ward of the
// demo's homes has its People's Committee and its police; the offices
// that are also issuers carry the issuer's id.
func TestOffices(t *testing.T) {
	offices := Province{}.Offices()
	if err := trust.ValidateOffices(offices); err != nil {
		t.Fatal(err)
	}
	byID := map[string]trust.Office{}
	for _, o := range offices {
		if _, dup := byID[o.ID]; dup {
			t.Errorf("office id %s twice", o.ID)
		}
		byID[o.ID] = o
		if o.Name.VI == "" || o.Name.EN == "" {
			t.Errorf("office %s: names %+v", o.ID, o.Name)
		}
		for _, r := range o.ID + o.Name.EN {
			if r > 127 {
				t.Errorf("office %s: not ASCII: %q", o.ID, o.ID+" / "+o.Name.EN)
				break
			}
		}
		if !strings.HasPrefix(o.ID, "vn.") {
			t.Errorf("office %s: not a Vietnamese id", o.ID)
		}
	}
	for _, u := range units {
		word, _, place := unitWords(u.newUnit)
		if word == "" {
			t.Errorf("unit %q is neither a ward nor a commune", u.newUnit)
		}
		for _, want := range []struct{ id, name, kind string }{
			{"vn.dongnai.ubnd." + foldID(place), "UBND " + word + " " + place, trust.KindCommune},
			{"vn.dongnai.ca." + foldID(place), "Công an " + word + " " + place, trust.KindCommunePolice},
		} {
			if o, ok := byID[want.id]; !ok || o.Name.VI != want.name || o.Kind != want.kind {
				t.Errorf("unit %s: office %s is %+v; want %q (%s)", u.newUnit, want.id, o, want.name, want.kind)
			}
		}
	}
	for _, id := range []string{agencyJustice, agencyBHXH} {
		if _, ok := byID[id]; !ok {
			t.Errorf("no office %s", id)
		}
	}
	for _, h := range hospitals {
		if o, ok := byID[h.id]; !ok || o.Kind != trust.KindHealthFacility {
			t.Errorf("hospital %s: %+v", h.id, o)
		}
	}
	for _, kind := range trust.OfficeKinds() {
		n := 0
		for _, o := range offices {
			if o.Kind == kind {
				n++
			}
		}
		if n == 0 {
			t.Errorf("no office of kind %s", kind)
		}
	}
	if o := byID["vn.dongnai.ubnd.tran-bien"]; o.Name != (trust.Name{VI: "UBND phường Trấn Biên", EN: "Tran Bien Ward People's Committee"}) {
		t.Errorf("Trấn Biên: %+v", o.Name)
	}
	if o := byID["vn.dongnai.ca.tri-an"]; o.Name != (trust.Name{VI: "Công an xã Trị An", EN: "Tri An Commune Police"}) {
		t.Errorf("Trị An police: %+v", o.Name)
	}
	for _, o := range offices {
		if o.Kind == trust.KindEmployer && !strings.Contains(o.Name.VI, "(dữ liệu mẫu)") {
			t.Errorf("employer %s is not marked as sample data", o.Name.VI)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Trấn Biên": "tran-bien", "Hố Nai 3": "ho-nai-3", "Đắk Lua": "dak-lua", "Đại Phước": "dai-phuoc",
		"THPT chuyên Lương Thế Vinh": "thpt-chuyen-luong-the-vinh", "Tiểu học Trấn Biên (mẫu)": "tieu-hoc-tran-bien-mau",
		"  Ưu  Ỹ ": "uu-y",
	} {
		if got := foldID(in); got != want {
			t.Errorf("foldID(%q) = %q; want %q", in, got, want)
		}
	}
	if got := foldASCII("Đắk Lua, Trị An, Bửu Hòa"); got != "Dak Lua, Tri An, Buu Hoa" {
		t.Errorf("foldASCII: %q", got)
	}
}

// The demo warehouse's trust list carries the offices.
func TestOfficesInTrustList(t *testing.T) {
	p, _ := New(3, 1)
	srv := warehousetest.Open(t, warehouse.Config{}, p)
	l, err := trust.Verify(srv.TrustList(), srv.RootKey())
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Offices) != len(p.Offices()) {
		t.Fatalf("trust list has %d offices; want %d", len(l.Offices), len(p.Offices()))
	}
	if n, ok := l.Name("vn.dongnai.ubnd.tran-bien"); !ok || n.VI != "UBND phường Trấn Biên" {
		t.Errorf("Name: %+v %v", n, ok)
	}
	communes := l.OfficesOfKind(trust.KindCommune)
	if len(communes) == 0 || communes[0].Name.VI != "UBND phường Biên Hòa" {
		t.Errorf("first commune office: %+v", communes)
	}
	t.Logf("%d offices, trust list %d bytes", len(l.Offices), len(srv.TrustList()))
}
