package warehouse_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// TestEveryWriteIsAudited: the load, each agency registration, an
// ingested batch (stored and refused operations), an admin correction, an
// enrolment code, an enrolment and a device revocation each leave an
// entry naming who did it; the chain verifies; no entry holds a claim
// value or the code.
func TestEveryWriteIsAudited(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	a := newAdminAPI(t, f)
	citizen := sample.Profile(1).CitizenID
	_, recs, _ := f.srv.Latest(citizen)
	var fix = recs[0]
	for _, r := range recs {
		if r.Type == "identity.residence" {
			fix = r
		}
	}
	fix.Version, fix.Credential = 0, ""
	old := fix.Claims
	fix.Claims = map[string]any{}
	for k, v := range old {
		fix.Claims[k] = v
	}
	secret := "Số 99, đường Võ Thị Sáu — a value that must not reach the audit log"
	fix.Claims["address"] = secret // a residence record's address
	if _, err := f.srv.Issue(citizen, fix); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.srv.Ingest(context.Background(), fix.Issuer, protocol.IngestRequest{Operations: []protocol.Operation{{Op: "delete", CitizenID: citizen}}}); err != nil {
		t.Fatal(err)
	}
	st, b := a.do("operator", "POST", warehouse.AdminPathCitizens+"/"+citizen+"/enrolment-code", nil)
	if st != 200 {
		t.Fatalf("code: %d %s", st, b)
	}
	dev, _ := f.enrol(1)
	if st, b := a.do("operator", "POST", warehouse.AdminPathCitizens+"/"+citizen+"/devices/"+dev.KID()+"/revoke", nil); st != 200 {
		t.Fatalf("revoke: %d %s", st, b)
	}
	var log []warehouse.AuditEntry
	for after := int64(0); ; {
		page, err := f.store.AuditLog(context.Background(), after, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		log = append(log, page...)
		after = page[len(page)-1].Seq
	}
	if err := warehouse.VerifyAuditChain(nil, log); err != nil {
		t.Fatalf("chain: %v", err)
	}
	seen := map[string]bool{}
	for _, e := range log {
		seen[e.Actor+" "+e.Action] = true
		if strings.Contains(string(e.Details), "Võ Thị Sáu") || strings.Contains(string(e.Details), string(b)) {
			t.Errorf("entry %d holds a claim value or the code: %s", e.Seq, e.Details)
		}
	}
	for _, want := range []string{
		"system load", "system agency-register", "system admin-issue", "agency:" + fix.Issuer + " ingest",
		"operator:operator enrolment-code", "device:" + dev.KID() + " device-enrol", "operator:operator device-revoke",
	} {
		if !seen[want] {
			t.Errorf("no audit entry %q; have %v", want, seen)
		}
	}
}
