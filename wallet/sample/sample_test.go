package sample

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vnwallet/citizenwallet/wallet"
)

func TestSampleProfile(t *testing.T) {
	ids := map[string]int{}
	women := 0
	for i := -3; i < 2000; i++ {
		p := Profile(i)
		if err := p.Validate(); err != nil {
			t.Fatalf("Profile(%d) = %+v: %v", i, p, err)
		}
		if !strings.HasPrefix(p.CitizenID, "075") {
			t.Errorf("Profile(%d): %s is not a Đồng Nai number", i, p.CitizenID)
		}
		if j, dup := ids[p.CitizenID]; dup {
			t.Errorf("Profile(%d) and (%d) share %s", i, j, p.CitizenID)
		}
		ids[p.CitizenID] = i
		_, female, _ := wallet.CitizenIDBirthYear(p.CitizenID)
		if female {
			women++
		}
		if i >= 0 && female != (i%2 == 1) {
			t.Errorf("Profile(%d): female = %v", i, female)
		}
		if !reflect.DeepEqual(p, Profile(i)) {
			t.Fatalf("Profile(%d) is not deterministic", i)
		}
	}
	if women < 900 || women > 1100 {
		t.Errorf("%d women among 2003 samples", women)
	}
	if p := Profile(1); utf8.RuneCountInString(p.FullName) == len(p.FullName) {
		t.Errorf("Profile(1).FullName %q has no Vietnamese letters", p.FullName)
	}
}

func TestSampleRecordEveryType(t *testing.T) {
	ids := map[string]bool{}
	for _, rt := range wallet.Types() {
		optional, filled := 0, 0
		for i := -2; i < 300; i++ {
			r := Record(rt, i)
			if err := r.Validate(); err != nil {
				t.Fatalf("Record(%s, %d): %v\n%+v", rt.Code, i, err, r.Claims)
			}
			if r.Type != rt.Code || r.Domain != rt.Domain || r.Version != 1 || r.Status != wallet.StatusActive {
				t.Errorf("Record(%s, %d): header %+v", rt.Code, i, r)
			}
			if ids[r.ID] {
				t.Errorf("Record(%s, %d): ID %s repeats", rt.Code, i, r.ID)
			}
			ids[r.ID] = true
			if !strings.HasPrefix(r.Issuer, "vn.") {
				t.Errorf("Record(%s, %d): issuer %q", rt.Code, i, r.Issuer)
			}
			if !reflect.DeepEqual(r, Record(rt, i)) {
				t.Fatalf("Record(%s, %d) is not deterministic", rt.Code, i)
			}
			// A JSON round trip (what a store does) gives the same record.
			data, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var back wallet.Record
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r, back) {
				t.Fatalf("Record(%s, %d) changes in a JSON round trip:\n%#v\n%#v", rt.Code, i, r, back)
			}
			for _, f := range rt.Fields {
				if !f.Required {
					optional++
					if _, ok := r.Claims[f.Name]; ok {
						filled++
					}
				}
			}
		}
		if optional > 0 && filled*10 < optional*6 {
			t.Errorf("%s: only %d of %d optional claims filled", rt.Code, filled, optional)
		}
		// Values vary with i.
		if reflect.DeepEqual(Record(rt, 1).Claims, Record(rt, 2).Claims) {
			t.Errorf("%s: samples 1 and 2 have the same claims", rt.Code)
		}
	}
}

// The subject of a record is the citizen of Profile(i).
func TestSampleRecordSubject(t *testing.T) {
	rt, _ := wallet.LookupType("identity.citizen")
	for i := range 50 {
		p, r := Profile(i), Record(rt, i)
		if r.Claims["citizen_id"] != p.CitizenID || r.Claims["full_name"] != p.FullName ||
			r.Claims["birth_date"] != p.BirthDate.Format(wallet.DateLayout) {
			t.Errorf("Record(identity.citizen, %d) is about %v, profile is %+v", i, r.Claims, p)
		}
		wantSex := "male"
		if i%2 == 1 {
			wantSex = "female"
		}
		if r.Claims["sex"] != wantSex {
			t.Errorf("sample %d: sex %v, want %s", i, r.Claims["sex"], wantSex)
		}
	}
}

func TestWithMarker(t *testing.T) {
	const marker = "MARKER-7f3a9c"
	for _, rt := range wallet.Types() {
		r := Record(rt, 5)
		orig := Record(rt, 5)
		m := WithMarker(r, marker)
		if !reflect.DeepEqual(r, orig) {
			t.Fatalf("%s: WithMarker changed its argument", rt.Code)
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("%s: marked record is invalid: %v", rt.Code, err)
		}
		marked := 0
		for name, v := range m.Claims {
			f, _ := rt.Field(name)
			switch v := v.(type) {
			case string:
				has := strings.HasSuffix(v, " "+marker)
				if free := f.Kind == wallet.KindText && len(f.Options) == 0; free != has {
					t.Errorf("%s.%s = %q: marker present %v, free text %v", rt.Code, name, v, has, free)
				}
				if has {
					marked++
				}
			case []any:
				for _, it := range v {
					if !strings.HasSuffix(it.(string), " "+marker) {
						t.Errorf("%s.%s item %q not marked", rt.Code, name, it)
					}
				}
				marked++
			}
		}
		if marked == 0 {
			t.Errorf("%s: nothing was marked", rt.Code)
		}
	}
}

// Nth varies the event and keeps the person.
func TestNth(t *testing.T) {
	for _, rt := range wallet.Types() {
		for i := range 40 {
			base := Record(rt, i)
			if got := Nth(rt, i, 0); !reflect.DeepEqual(got.Claims, base.Claims) {
				t.Fatalf("Nth(%s, %d, 0) claims differ from Record", rt.Code, i)
			}
			dates := map[time.Time]bool{}
			for k := range 6 {
				r := Nth(rt, i, k)
				if err := r.Validate(); err != nil {
					t.Fatalf("Nth(%s, %d, %d): %v", rt.Code, i, k, err)
				}
				if want := fmt.Sprintf("sample-%s-%d-%d", rt.Code, i, k); r.ID != want {
					t.Errorf("ID %s, want %s", r.ID, want)
				}
				for name := range personClaims {
					if rt.Code == "health.insurance_card" && name == "card_number" && r.Claims["beneficiary_group"] != base.Claims["beneficiary_group"] {
						continue // a card after 60 (group HT) has a new code: TestDemoInvariants
					}
					if !reflect.DeepEqual(r.Claims[name], base.Claims[name]) {
						t.Errorf("Nth(%s, %d, %d).%s = %v; Record has %v", rt.Code, i, k, name, r.Claims[name], base.Claims[name])
					}
				}
				dates[r.IssuedAt] = true
			}
			if len(dates) < 4 {
				t.Errorf("Nth(%s, %d, 0..5): only %d different issue times", rt.Code, i, len(dates))
			}
		}
	}
}

// The demo data does not contradict itself: a health-insurance card's
// code starts with its beneficiary group and benefit level, a birth
// certificate names both parents, a transcript's school is of its class's
// level and its rating is the one its average earns, a driving licence
// is its holder's, of a class the holder was old enough for, named by
// the authority of its date and valid for its class's term.
func TestDemoInvariants(t *testing.T) {
	lt, ok := wallet.LookupType(LicenceType)
	if !ok {
		t.Fatalf("%s is not registered", LicenceType)
	}
	classField, _ := lt.Field("class")
	classes := map[string]int{}
	for i := 0; i < 200; i++ {
		checkLicence(t, fmt.Sprintf("licence %d", i), i, Record(lt, i))
		classes[Record(lt, i).Claims["class"].(string)]++
		for k, o := range classField.Options {
			if o.Value == "A2" || o.Value == "B2" {
				continue // asked for as A and B
			}
			r := NthLicence(i, k+1, o.Value)
			checkLicence(t, fmt.Sprintf("licence %d/%s", i, o.Value), i, r)
			got := r.Claims["class"]
			if got != o.Value && !(o.Value == "A" && got == "A2" || o.Value == "B" && got == "B2") {
				t.Errorf("licence %d: asked for %s, got %v", i, o.Value, got)
			}
		}
	}
	for _, c := range []string{"A1", "A2", "B2", "B"} {
		if classes[c] == 0 {
			t.Errorf("no sampled licence of class %s among %v", c, classes)
		}
	}

	card, _ := wallet.LookupType("health.insurance_card")
	birth, _ := wallet.LookupType("civil.birth")
	transcript, _ := wallet.LookupType("education.transcript")
	for i := 0; i < 200; i++ {
		// Every card of the citizen (Nth: one a year in the demo),
		// whose group changes at 60.
		for k := range 4 {
			c := Nth(card, i, k).Claims
			code, _ := c["card_number"].(string)
			group, _ := c["beneficiary_group"].(string)
			level, _ := c["benefit_level"].(float64)
			if len(code) != 15 || code[:2] != group || code[2:3] != strconv.Itoa(int(level)) {
				t.Errorf("card %d/%d: %q for group %q, level %v", i, k, code, group, level)
			}
			if first, _ := Record(card, i).Claims["card_number"].(string); code[3:] != first[3:] {
				t.Errorf("card %d/%d: %q, the first card %q: the insurance number changed", i, k, code, first)
			}
		}
		b := Record(birth, i).Claims
		for _, name := range []string{"father_name", "mother_name"} {
			if b[name] == nil || b[name] == "" {
				t.Errorf("birth certificate %d has no %s: %v", i, name, b)
			}
		}
		tr := Record(transcript, i).Claims
		class, _ := tr["class_name"].(string)
		school, _ := tr["school"].(string)
		grade, err := strconv.Atoi(strings.TrimRightFunc(class[:2], func(r rune) bool { return r < '0' || r > '9' }))
		if err != nil {
			t.Fatalf("transcript %d: class %q", i, class)
		}
		if lower := grade <= 9; lower != strings.Contains(school, "THCS") || (!lower && !strings.Contains(school, "THPT")) {
			t.Errorf("transcript %d: class %s at %s", i, class, school)
		}
		if got := tr["ranking"]; got != Ranking(tr["gpa"]) {
			t.Errorf("transcript %d: average %v rated %v", i, tr["gpa"], got)
		}
		if (tr["title"] == "Học sinh giỏi") != (tr["ranking"] == "Giỏi") {
			t.Errorf("transcript %d: title %v with rating %v", i, tr["title"], tr["ranking"])
		}
	}

	// An ID card's two addresses are whole: the street, the commune and
	// the province, and the district exactly when written before 2025.
	cccd, _ := wallet.LookupType("identity.citizen")
	for i := 0; i < 200; i++ {
		r := Record(cccd, i)
		for _, o := range cccd.Objects {
			for k, f := range o.Fields {
				_, has := r.Claims[f]
				if want := k != 2 || r.IssuedAt.Year() < 2025; has != want {
					t.Errorf("ID card %d issued %s: %s present %v", i, r.IssuedAt.Format(time.DateOnly), f, has)
				}
			}
			if line := o.Line(r.Claims); !strings.HasSuffix(line, ", tỉnh Đồng Nai") {
				t.Errorf("ID card %d: %s reads %q", i, o.Name, line)
			}
		}
	}
}

// checkLicence checks one driving licence of the citizen of Profile(i).
func checkLicence(t *testing.T, where string, i int, r wallet.Record) {
	t.Helper()
	if err := r.Validate(); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	p, c := Profile(i), r.Claims
	if c["full_name"] != p.FullName || c["birth_date"] != p.BirthDate.Format(wallet.DateLayout) {
		t.Errorf("%s is not %+v's: %v", where, p, c)
	}
	if id, ok := c["citizen_id"]; ok && id != p.CitizenID {
		t.Errorf("%s: citizen id %v, holder %s", where, id, p.CitizenID)
	}
	if n, _ := c["licence_number"].(string); len(n) != 12 || strings.Trim(n, "0123456789") != "" || n[:2] != "75" {
		t.Errorf("%s: number %q is not 12 digits of a Đồng Nai licence", where, n)
	}
	class, _ := c["class"].(string)
	issued, passed := dateOf(c["issued_on"]), dateOf(c["first_issued_on"])
	if issued.IsZero() || passed.IsZero() || passed.After(issued) {
		t.Errorf("%s: test passed %v, issued %v", where, c["first_issued_on"], c["issued_on"])
	}
	if min := LicenceMinAge(class); min == 0 || years(p.BirthDate, passed) < min {
		t.Errorf("%s: class %s (from %d) passed at %d (born %s, passed %s)", where, class, min, years(p.BirthDate, passed), ymd(p.BirthDate), ymd(passed))
	}
	if old := class == "A2" || class == "B2"; old != issued.Before(PoliceLicensing) && class != "A1" {
		t.Errorf("%s: class %s on a card issued %s", where, class, ymd(issued))
	}
	if got := c["issued_by"]; got != LicenceIssuer(issued) || !strings.Contains(got.(string), "Đồng Nai") {
		t.Errorf("%s: issued %s by %v", where, ymd(issued), got)
	}
	if issued.Before(PoliceLicensing) == strings.Contains(c["issued_by"].(string), "Công an") {
		t.Errorf("%s: issued %s by %v (the police issue licences from 1 March 2025)", where, ymd(issued), c["issued_by"])
	}
	exp, has := c["expires_on"]
	switch term := LicenceTerm(class); {
	case term == 0 && has:
		t.Errorf("%s: class %s has no term, the card expires %v", where, class, exp)
	case term > 0 && exp != ymd(issued.AddDate(term, 0, 0)):
		t.Errorf("%s: class %s issued %s valid %d years, card says %v", where, class, ymd(issued), term, exp)
	}
	if r.IssuedAt.Before(issued) || r.IssuedAt.Before(PoliceLicensing) || r.Issuer != "vn.dongnai.congan" {
		t.Errorf("%s: issued %s, signed by %s on %v (the police hold the register from 1 March 2025)", where, ymd(issued), r.Issuer, r.IssuedAt)
	}
	if !r.ValidFrom.Equal(issued) || !r.ValidUntil.Equal(dateOf(exp)) {
		t.Errorf("%s: validity %v-%v, claims %v-%v", where, r.ValidFrom, r.ValidUntil, c["issued_on"], exp)
	}
	if c["nationality"] != "Việt Nam" || c["residence"] == nil {
		t.Errorf("%s: nationality %v, residence %v", where, c["nationality"], c["residence"])
	}
}

func TestLicenceRules(t *testing.T) {
	lt, _ := wallet.LookupType(LicenceType)
	f, _ := lt.Field("class")
	for _, o := range f.Options {
		if LicenceMinAge(o.Value) == 0 {
			t.Errorf("class %s has no minimum age", o.Value)
		}
	}
	for class, want := range map[string][2]int{"A1": {18, 0}, "B": {18, 10}, "C1": {18, 10}, "C": {21, 5}, "BE": {21, 5}, "CE": {24, 5}, "D2": {24, 5}, "D": {27, 5}, "DE": {27, 5}, "B1": {18, 0}} {
		if got := [2]int{LicenceMinAge(class), LicenceTerm(class)}; got != want {
			t.Errorf("class %s: age and term %v, want %v", class, got, want)
		}
	}
	if LicenceMinAge("Z9") != 0 {
		t.Error("an unknown class has an age")
	}
}
