package viewmodel

import (
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// TestShareLeavesOutAbsentDistrict: birth registration asks for the
// parent's current address, the district too when the address has one
// (written before 1 July 2025). The share screen lists the district of
// such an address, ticked, and says nothing of one an address written
// since lacks; a citizen without the ID card record sees every member as
// not in the wallet.
func TestShareLeavesOutAbsentDistrict(t *testing.T) {
	if err := assets.UseLanguage("vi"); err != nil {
		t.Fatal(err)
	}
	cat, err := assets.Procedures()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cat.Lookup("civil.birth_registration")
	cccd, _ := wallet.LookupType("identity.citizen")
	members := []string{"current_street", "current_commune", "current_district", "current_province"}
	var old, recent bool
	for i := 0; i < 40 && !(old && recent); i++ {
		r := sample.Record(cccd, i)
		r.Status = wallet.StatusActive
		_, hasDistrict := r.Claims["current_district"]
		old, recent = old || hasDistrict, recent || !hasDistrict
		items := map[string]DraftItem{}
		for _, it := range newDraft(wallet.Propose(p, []wallet.Record{r}), nil, time.Now()).Items() {
			items[it.Claim] = it
		}
		for _, m := range members {
			it, listed := items[m]
			switch {
			case m == "current_district" && !hasDistrict:
				if listed {
					t.Errorf("ID card %d without a district: the screen lists %+v", i, it)
				}
			case !listed || !it.Available || !it.Selected:
				t.Errorf("ID card %d (district %v): %s listed %v, %+v", i, hasDistrict, m, listed, it)
			}
		}
	}
	if !old || !recent {
		t.Fatalf("the samples lack an address with (%v) or without (%v) a district", old, recent)
	}
	n := 0
	for _, it := range newDraft(wallet.Propose(p, nil), nil, time.Now()).Items() {
		if it.Type == "identity.citizen" && !it.Available {
			n++
		}
	}
	if want := 9; n != want { // four of the person, the four members of the address, the ethnicity
		t.Errorf("without an ID card: %d fields not in the wallet, want %d", n, want)
	}
}
