package assets

import (
	"bytes"
	"image/png"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// The bundled catalogue parses, holds at least 10 procedures, and every
// required field is one a realistic citizen's records carry.
func TestProcedures(t *testing.T) {
	cat, err := Procedures()
	if err != nil {
		t.Fatal(err)
	}
	procs := cat.Procedures()
	if len(procs) < 10 {
		t.Fatalf("%d procedures", len(procs))
	}
	for _, p := range procs {
		for _, f := range p.Fields {
			if !f.Required {
				continue
			}
			rt, _ := wallet.LookupType(f.Type)
			found := false
			for i := 0; i < 200 && !found; i++ {
				_, found = sample.Record(rt, i).Claims[f.Claim]
			}
			if !found {
				t.Errorf("%s: required %s.%s is in no sample record", p.Code, f.Type, f.Claim)
			}
		}
	}
	for _, want := range []string{"civil.birth_registration", "residence.permanent_registration", "education.school_admission",
		"labour.unemployment_benefit", "justice.criminal_record_certificate", "civil.marriage_registration",
		"health.insurance_card_reissue", "social.monthly_assistance", "transport.driving_licence_renewal", "employment.job_application"} {
		if _, ok := cat.Lookup(want); !ok {
			t.Errorf("no procedure %s", want)
		}
	}
}

// Vietnamese unless English was chosen, whatever the system says.
func TestUseLanguage(t *testing.T) {
	t.Setenv("LANG", "en_US.UTF-8")
	for _, c := range []struct{ code, want string }{{"", "vi"}, {"en", "en"}, {"vi", "vi"}, {"fr", "vi"}} {
		if err := UseLanguage(c.code); err != nil {
			t.Fatal(err)
		}
		if got := lang.L("lang.code"); got != c.want {
			t.Errorf("UseLanguage(%q): %q; want %q", c.code, got, c.want)
		}
	}
}

// The icons are square PNGs of their stated size.
func TestIcons(t *testing.T) {
	for _, r := range []fyne.Resource{AppIcon, CounterIcon} {
		img, err := png.Decode(bytes.NewReader(r.Content()))
		if err != nil {
			t.Fatalf("%s: %v", r.Name(), err)
		}
		if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
			t.Errorf("%s: %v", r.Name(), b)
		}
	}
}
