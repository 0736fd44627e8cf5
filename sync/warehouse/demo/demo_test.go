package demo_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

var _ warehouse.Dataset = demo.Province{}

func TestNew(t *testing.T) {
	for _, n := range []int{0, -1, demo.MaxCitizens + 1} {
		if _, err := demo.New(n, 1); err == nil {
			t.Errorf("New(%d) accepted", n)
		}
	}
	if p, err := demo.New(1000, 7); err != nil || p.Citizens() != 1000 {
		t.Fatalf("New(1000, 7) = %+v, %v", p, err)
	}
}

// Every record of 2 000 citizens is valid, issued by a listed agency, in
// feed order, about its citizen; every record type and every agency
// occurs; the same seed and index always give the same citizen.
func TestProvince(t *testing.T) {
	p, _ := demo.New(2000, 42)
	agencies := map[string]int{}
	for _, a := range p.Agencies() {
		if a.Name.VI == "" || a.Name.EN == "" {
			t.Errorf("agency %s has no name", a.ID)
		}
		agencies[a.ID] = 0
	}
	types := map[string]int{}
	total, corrected, withdrawn := 0, 0, 0
	for i := range p.Citizens() {
		prof, recs := p.Citizen(i)
		if !reflect.DeepEqual(prof, p.Profile(i)) {
			t.Fatalf("citizen %d: Citizen and Profile disagree", i)
		}
		if err := prof.Validate(); err != nil {
			t.Fatalf("citizen %d: %v", i, err)
		}
		last := map[string]int{}
		siNumbers := map[any]bool{}
		for _, r := range recs {
			if err := r.Validate(); err != nil {
				t.Fatalf("citizen %d record %s: %v\n%v", i, r.ID, err, r.Claims)
			}
			if _, ok := agencies[r.Issuer]; !ok {
				t.Fatalf("citizen %d record %s: issuer %s is not an agency", i, r.ID, r.Issuer)
			}
			agencies[r.Issuer]++
			types[r.Type]++
			if r.Version != last[r.ID]+1 {
				t.Fatalf("citizen %d record %s: version %d after %d", i, r.ID, r.Version, last[r.ID])
			}
			last[r.ID] = r.Version
			if r.Version > 1 {
				if r.Status == wallet.StatusWithdrawn {
					withdrawn++
				} else {
					corrected++
				}
			}
			if r.IssuedAt.Before(time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC)) || r.IssuedAt.After(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("citizen %d record %s issued %v", i, r.ID, r.IssuedAt)
			}
			if id, ok := r.Claims["citizen_id"]; ok && id != prof.CitizenID {
				t.Errorf("citizen %d record %s is about %v", i, r.ID, id)
			}
			for _, name := range []string{"full_name", "holder_name", "student_name", "candidate_name"} {
				if v, ok := r.Claims[name]; ok && v != prof.FullName {
					t.Errorf("citizen %d record %s: %s %v, profile %s", i, r.ID, name, v, prof.FullName)
				}
			}
			if v, ok := r.Claims["social_insurance_number"]; ok {
				siNumbers[v] = true
			}
			checkAddress(t, r)
		}
		if len(siNumbers) > 1 {
			t.Errorf("citizen %d has %d social insurance numbers", i, len(siNumbers))
		}
		total += len(recs)
	}
	for _, rt := range wallet.Types() {
		if types[rt.Code] == 0 {
			t.Errorf("no %s record in the province", rt.Code)
		}
	}
	for id, n := range agencies {
		if n == 0 {
			t.Errorf("agency %s issued nothing", id)
		}
	}
	if corrected == 0 || withdrawn == 0 {
		t.Errorf("%d corrections, %d withdrawals", corrected, withdrawn)
	}
	t.Logf("2000 citizens: %d record versions (%.1f each), %d corrections, %d withdrawals", total, float64(total)/2000, corrected, withdrawn)
	if avg := float64(total) / 2000; avg < 10 || avg > 40 {
		t.Errorf("%.1f records per citizen", avg)
	}
	_, a := p.Citizen(17)
	_, b := p.Citizen(17)
	if !reflect.DeepEqual(a, b) {
		t.Error("Citizen(17) is not deterministic")
	}
	q, _ := demo.New(2000, 43)
	if p.Profile(17) == q.Profile(17) {
		t.Error("another seed gives the same citizen")
	}
}

// checkAddress: documents issued before 1 July 2025 name the district,
// later ones the new commune or ward without one.
func checkAddress(t *testing.T, r wallet.Record) {
	t.Helper()
	reform := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, name := range []string{"permanent_address", "residence"} {
		v, ok := r.Claims[name].(string)
		if !ok {
			continue
		}
		hasDistrict := strings.Contains(v, "huyện ") || strings.Contains(v, "thành phố ")
		if !strings.HasSuffix(v, ", tỉnh Đồng Nai") || hasDistrict != r.IssuedAt.Before(reform) {
			t.Errorf("record %s issued %s: %s = %q", r.ID, r.IssuedAt.Format(time.DateOnly), name, v)
		}
	}
	// The structured addresses: street, commune, province, and the
	// district exactly when written before the reform.
	var objects []string
	switch r.Type {
	case "identity.residence":
		objects = []string{""}
	case "identity.citizen":
		objects = []string{"permanent_", "current_"}
	}
	for _, prefix := range objects {
		street := prefix + "street"
		if prefix == "" {
			street = "address"
		}
		_, hasDistrict := r.Claims[prefix+"district"]
		if hasDistrict != r.IssuedAt.Before(reform) || r.Claims[prefix+"province"] != "Đồng Nai" ||
			r.Claims[street] == nil || r.Claims[prefix+"commune"] == nil {
			t.Errorf("%s %s issued %s: address %v, %v, %v, %v", r.Type, r.ID, r.IssuedAt.Format(time.DateOnly),
				r.Claims[street], r.Claims[prefix+"commune"], r.Claims[prefix+"district"], r.Claims[prefix+"province"])
		}
	}
}

// Citizen numbers stay distinct in a province of 100 000.
// Everyone holds the insurance card in force in 2026 (cards are renewed
// yearly), issued before it starts, with claims and record dates agreeing.
func TestInsuranceCardInForce(t *testing.T) {
	p, _ := demo.New(300, 1)
	mid := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	for i := range 300 {
		_, recs := p.Citizen(i)
		cards := 0
		for _, r := range recs {
			if r.Type != "health.insurance_card" {
				continue
			}
			cards++
			if r.ValidFrom.After(mid) || r.ValidUntil.Before(mid) || !r.IssuedAt.Before(r.ValidFrom) ||
				r.Claims["valid_from"] != r.ValidFrom.Format(wallet.DateLayout) || r.Claims["valid_to"] != r.ValidUntil.Format(wallet.DateLayout) {
				t.Fatalf("citizen %d: card %v–%v issued %v, claims %v–%v", i, r.ValidFrom, r.ValidUntil, r.IssuedAt, r.Claims["valid_from"], r.Claims["valid_to"])
			}
		}
		if cards != 1 {
			t.Fatalf("citizen %d has %d insurance cards", i, cards)
		}
	}
}

func TestDistinctCitizens(t *testing.T) {
	p, _ := demo.New(100_000, 2026)
	seen := make(map[string]int, p.Citizens())
	for i := range p.Citizens() {
		id := p.Profile(i).CitizenID
		if j, dup := seen[id]; dup {
			t.Fatalf("citizens %d and %d share %s", j, i, id)
		}
		seen[id] = i
	}
}

// End to end: a warehouse serving the demo province signs every record
// with its agency's key, and a wallet enrolled for a citizen verifies and
// stores all of them (corrections and withdrawals applied).
func TestSyncDemoCitizen(t *testing.T) {
	p, _ := demo.New(1000, 5)
	srv, ts := warehousetest.Start(t, warehouse.Config{}, p)
	ctx := context.Background()
	for _, i := range []int{0, 1, 2, 999} {
		prof, recs := p.Citizen(i)
		st, err := badgerstore.Create(filepath.Join(t.TempDir(), "w"), []byte("246810"), prof, badgerstore.Options{KDF: kdf.Test()})
		if err != nil {
			t.Fatal(err)
		}
		c, err := client.New(client.Config{BaseURL: ts.URL, RootKey: srv.RootKey()})
		if err != nil {
			t.Fatal(err)
		}
		code, err := srv.EnrolmentCode(prof.CitizenID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Enrol(ctx, st, code, "demo phone"); err != nil {
			t.Fatal(err)
		}
		res, err := c.Sync(ctx, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rejected) > 0 {
			t.Fatalf("citizen %d: rejected %v", i, res.Rejected)
		}
		latest := map[string]wallet.Record{}
		for _, r := range recs {
			latest[r.ID] = r
		}
		got, err := st.Records(ctx, wallet.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(latest) {
			t.Fatalf("citizen %d: %d records stored, want %d", i, len(got), len(latest))
		}
		for _, r := range got {
			want := latest[r.ID]
			if r.Version != want.Version || r.Status != want.Status || r.Issuer != want.Issuer || !reflect.DeepEqual(r.Claims, want.Claims) {
				t.Errorf("citizen %d record %s: got v%d %s %s, want v%d %s %s", i, r.ID, r.Version, r.Status, r.Issuer, want.Version, want.Status, want.Issuer)
			}
		}
		st.Close()
	}
}

// Driving licences: about two in three adults hold one, no minor does;
// each card is its holder's, from the provincial police, of a class the
// holder was old enough for when they passed the test, named by the
// authority of its date, in force on the demo's reference day, and
// addressed like the other documents of its date.
func TestDrivingLicences(t *testing.T) {
	p, _ := demo.New(2000, 42)
	ref := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	adults, holders, cars, pros := 0, 0, 0, 0
	classes := map[string]int{}
	for i := range p.Citizens() {
		prof, recs := p.Citizen(i)
		adult := !prof.BirthDate.AddDate(18, 0, 0).After(ref)
		if adult {
			adults++
		}
		held := map[string]bool{}
		for _, r := range recs {
			if r.Type != sample.LicenceType {
				continue
			}
			if !adult {
				t.Fatalf("citizen %d, born %s, holds licence %v", i, prof.BirthDate.Format(time.DateOnly), r.Claims)
			}
			c := r.Claims
			class := c["class"].(string)
			if held[class] {
				t.Errorf("citizen %d holds two %s licences", i, class)
			}
			held[class] = true
			classes[class]++
			if r.Issuer != "vn.dongnai.congan" || c["full_name"] != prof.FullName || c["birth_date"] != prof.BirthDate.Format(wallet.DateLayout) {
				t.Errorf("citizen %d licence %s: issuer %s, holder %v %v", i, r.ID, r.Issuer, c["full_name"], c["birth_date"])
			}
			issued, _ := wallet.ParseDate(c["issued_on"].(string))
			passed, _ := wallet.ParseDate(c["first_issued_on"].(string))
			if min := sample.LicenceMinAge(class); passed.Before(prof.BirthDate.AddDate(min, 0, 0)) || passed.After(issued) {
				t.Errorf("citizen %d, born %s: class %s passed %s, issued %s", i, prof.BirthDate.Format(time.DateOnly), class, passed.Format(time.DateOnly), issued.Format(time.DateOnly))
			}
			if c["issued_by"] != sample.LicenceIssuer(issued) || !r.IssuedAt.After(issued) || r.IssuedAt.After(ref) || r.IssuedAt.Before(sample.PoliceLicensing) {
				t.Errorf("citizen %d licence issued %s by %v, signed %v", i, issued.Format(time.DateOnly), c["issued_by"], r.IssuedAt)
			}
			if !r.ValidUntil.IsZero() && r.ValidUntil.Before(ref) {
				t.Errorf("citizen %d: licence %s expired %v", i, class, r.ValidUntil)
			}
			if c["residence"] == nil {
				t.Errorf("citizen %d: licence without residence", i)
			}
		}
		if len(held) > 0 {
			holders++
		}
		if held["B"] || held["B2"] {
			cars++
		}
		for _, c := range []string{"C1", "C", "D2", "CE", "D", "C1E"} {
			if held[c] {
				pros++
			}
		}
	}
	t.Logf("%d adults: %d hold a licence, %d a car licence, %d a professional one; classes %v", adults, holders, cars, pros, classes)
	if share := float64(holders) / float64(adults); share < 0.5 || share > 0.8 {
		t.Errorf("%.0f %% of adults hold a driving licence", 100*share)
	}
	if share := float64(cars) / float64(adults); share < 0.08 || share > 0.3 {
		t.Errorf("%.0f %% of adults hold a car licence", 100*share)
	}
	if pros == 0 || classes["A1"] == 0 || classes["A2"]+classes["A"] == 0 {
		t.Errorf("classes %v", classes)
	}
}

// Record ids are the type and 16 base32 characters: stable, unique, and
// with nothing in them of the citizen (ids used to end in the citizen's
// index, which any counter shown one could read).
func TestRecordIDsSayNothing(t *testing.T) {
	p, _ := demo.New(300, 5)
	form := regexp.MustCompile(`^[a-z_.]+-[a-z2-7]{16}$`)
	seen := map[string]bool{}
	for i := range p.Citizens() {
		_, recs := p.Citizen(i)
		for _, r := range recs {
			if !form.MatchString(r.ID) || !strings.HasPrefix(r.ID, r.Type+"-") {
				t.Fatalf("citizen %d: record id %q", i, r.ID)
			}
			key := fmt.Sprintf("%s v%d", r.ID, r.Version) // a correction keeps its record's id
			if seen[key] {
				t.Fatalf("record %s given twice", key)
			}
			seen[key] = true
		}
		if _, again := p.Citizen(i); again[0].ID != recs[0].ID {
			t.Fatalf("citizen %d: ids change between calls", i)
		}
	}
}
