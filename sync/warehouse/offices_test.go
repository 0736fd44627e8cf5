package warehouse_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
)

var offices = []trust.Office{
	{ID: "vn.dongnai.ubnd.tran-bien", Name: trust.Name{VI: "UBND phường Trấn Biên", EN: "Tran Bien Ward People's Committee"}, Kind: trust.KindCommune},
	{ID: "vn.dongnai.ca.tran-bien", Name: trust.Name{VI: "Công an phường Trấn Biên", EN: "Tran Bien Ward Police"}, Kind: trust.KindCommunePolice},
	{ID: "vn.dongnai.ubnd.tri-an", Name: trust.Name{VI: "UBND xã Trị An", EN: "Tri An Commune People's Committee"}, Kind: trust.KindCommune},
}

// servedList is the trust list the wallet protocol serves, verified as a
// wallet does.
func servedList(t *testing.T, f *fixture) *trust.List {
	t.Helper()
	st, b, _ := f.do("GET", protocol.PathTrustList, nil, "")
	if st != http.StatusOK {
		t.Fatalf("trust list: %d %s", st, b)
	}
	var resp protocol.TrustListResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	l, err := trust.Verify(resp.TrustList, f.srv.RootKey())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The operator sets the directory through the admin API; the next trust
// list carries it (a new version), every role reads it back, the change
// is audited with who and how many.
func TestSetOfficesAdmin(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	a := newAdminAPI(t, f)
	before := servedList(t, f)
	if len(before.Offices) != 0 {
		t.Fatalf("offices before any were set: %v", before.Offices)
	}
	if st, b := a.do("commune", "GET", warehouse.AdminPathOffices, nil); st != http.StatusOK || strings.TrimSpace(string(b)) != "[]" {
		t.Fatalf("GET before any: %d %s", st, b)
	}
	body, _ := json.Marshal(offices)
	st, b := a.do("operator", "PUT", warehouse.AdminPathOffices, body)
	if st != http.StatusOK {
		t.Fatalf("PUT: %d %s", st, b)
	}
	var got []trust.Office
	if err := json.Unmarshal(b, &got); err != nil || !reflect.DeepEqual(got, offices) {
		t.Fatalf("PUT answered %s (%v)", b, err)
	}
	after := servedList(t, f)
	if after.Version != before.Version+1 || !reflect.DeepEqual(after.Offices, offices) {
		t.Fatalf("trust list after PUT: version %d→%d, offices %+v", before.Version, after.Version, after.Offices)
	}
	if n, ok := after.Name("vn.dongnai.ubnd.tran-bien"); !ok || n.VI != "UBND phường Trấn Biên" {
		t.Errorf("Name: %+v %v", n, ok)
	}
	if !reflect.DeepEqual(f.srv.Offices(), offices) {
		t.Errorf("Server.Offices: %+v", f.srv.Offices())
	}
	for _, holder := range []string{"operator", "agency", "commune"} {
		st, b := a.do(holder, "GET", warehouse.AdminPathOffices, nil)
		var got []trust.Office
		if err := json.Unmarshal(b, &got); st != http.StatusOK || err != nil || !reflect.DeepEqual(got, offices) {
			t.Errorf("GET as %s: %d %s", holder, st, b)
		}
	}
	// The audit entry names who and how many, nothing more.
	e := lastAudit(t, f)
	if e.Action != "offices-set" || e.Actor != "operator:operator" || e.Subject != "vn.dongnai" || string(e.Details) != `{"offices":3}` {
		t.Errorf("audit entry: %+v %s", e, e.Details)
	}
	// An empty array clears the directory.
	if st, b := a.do("operator", "PUT", warehouse.AdminPathOffices, []byte(" [ ] ")); st != http.StatusOK || strings.TrimSpace(string(b)) != "[]" {
		t.Fatalf("PUT []: %d %s", st, b)
	}
	if l := servedList(t, f); len(l.Offices) != 0 || l.Version != after.Version+1 {
		t.Errorf("after clearing: version %d, %d offices", l.Version, len(l.Offices))
	}
}

func lastAudit(t *testing.T, f *fixture) warehouse.AuditEntry {
	t.Helper()
	var last warehouse.AuditEntry
	for after := int64(0); ; {
		page, err := f.store.AuditLog(context.Background(), after, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return last
		}
		last = page[len(page)-1]
		after = last.Seq
	}
}

// Only the operator sets the directory; a bad body is refused with a
// clear message and changes nothing.
func TestSetOfficesRefused(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	a := newAdminAPI(t, f)
	good, _ := json.Marshal(offices)
	if st, b := a.do("operator", "PUT", warehouse.AdminPathOffices, good); st != http.StatusOK {
		t.Fatalf("PUT: %d %s", st, b)
	}
	held := servedList(t, f)
	auditBefore := lastAudit(t, f).Seq

	long := make([]trust.Office, trust.MaxOffices)
	for i := range long {
		long[i] = trust.Office{ID: fmt.Sprintf("vn.dongnai.school-%04d", i), Name: trust.Name{VI: "Trường Tiểu học số " + fmt.Sprint(i) + strings.Repeat(" (mẫu)", 20)}, Kind: trust.KindSchool}
	}
	tooBig, _ := json.Marshal(long)
	cases := []struct {
		name, holder string
		body         []byte
		status       int
		msg          string
	}{
		{"no token", "", good, http.StatusUnauthorized, ""},
		{"agency staff", "agency", good, http.StatusForbidden, "may not do this"},
		{"commune office", "commune", good, http.StatusForbidden, "may not do this"},
		{"unknown kind", "operator", []byte(`[{"id":"vn.x","name":{"vi":"X"},"kind":"ministry"}]`), http.StatusBadRequest, `unknown kind "ministry"`},
		{"duplicate id", "operator", []byte(`[{"id":"vn.x","name":{"vi":"X"},"kind":"school"},{"id":"vn.x","name":{"vi":"Y"},"kind":"school"}]`), http.StatusBadRequest, "office vn.x listed twice"},
		{"no Vietnamese name", "operator", []byte(`[{"id":"vn.x","name":{"en":"X"},"kind":"school"}]`), http.StatusBadRequest, "Vietnamese name required"},
		{"bad id", "operator", []byte(`[{"id":"UBND Trấn Biên","name":{"vi":"X"},"kind":"commune"}]`), http.StatusBadRequest, "id \"UBND Trấn Biên\""},
		{"unknown JSON field", "operator", []byte(`[{"id":"vn.x","name":{"vi":"X"},"kind":"school","phone":"0251"}]`), http.StatusBadRequest, `unknown field "phone"`},
		{"duplicate JSON member", "operator", []byte(`[{"id":"vn.x","id":"vn.y","name":{"vi":"X"},"kind":"school"}]`), http.StatusBadRequest, "offices:"},
		{"not an array", "operator", []byte(`{"id":"vn.x","name":{"vi":"X"},"kind":"school"}`), http.StatusBadRequest, "JSON array"},
		{"null", "operator", []byte(`null`), http.StatusBadRequest, "JSON array"},
		{"empty body", "operator", nil, http.StatusBadRequest, "JSON array"},
		{"trailing data", "operator", append(append([]byte{}, good...), []byte(` []`)...), http.StatusBadRequest, "offices:"},
		{"oversized body", "operator", append([]byte("["), bytes.Repeat([]byte(" "), 1<<20)...), http.StatusRequestEntityTooLarge, "too large"},
		{"list too large to sign", "operator", tooBig, http.StatusBadRequest, "larger than one signed list holds"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, b := a.do(tc.holder, "PUT", warehouse.AdminPathOffices, tc.body)
			if st != tc.status {
				t.Fatalf("status %d %s; want %d", st, b, tc.status)
			}
			var pe protocol.Error
			if tc.msg != "" && (json.Unmarshal(b, &pe) != nil || !strings.Contains(pe.Message, tc.msg)) {
				t.Errorf("answer %s; want a message saying %q", b, tc.msg)
			}
			if l := servedList(t, f); l.Version != held.Version || !reflect.DeepEqual(l.Offices, offices) {
				t.Errorf("the refused PUT changed the list: version %d→%d, %d offices", held.Version, l.Version, len(l.Offices))
			}
			if seq := lastAudit(t, f).Seq; seq != auditBefore {
				t.Errorf("the refused PUT was audited (seq %d→%d)", auditBefore, seq)
			}
		})
	}
	// The Go API refuses as the admin API does.
	bad := append([]trust.Office{}, offices...)
	bad[1].Kind = "bank"
	if err := f.srv.SetOffices(context.Background(), bad); !errors.Is(err, wallet.ErrInvalid) || !errors.Is(err, trust.ErrInvalidList) {
		t.Errorf("SetOffices with an unknown kind: %v", err)
	}
}

// Another process on the same store serves the directory from its next
// trust-version refresh.
func TestOfficesReachOtherProcesses(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	other, err := warehouse.Open(warehouse.Config{Store: f.store, Keys: f.keys, Now: f.clock.now, Refresh: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if l, err := trust.Verify(other.TrustList(), other.RootKey()); err != nil || len(l.Offices) != 0 {
		t.Fatalf("before: %v %v", l, err)
	}
	if err := f.srv.SetOffices(context.Background(), offices); err != nil {
		t.Fatal(err)
	}
	l, err := trust.Verify(other.TrustList(), other.RootKey())
	if err != nil || !reflect.DeepEqual(l.Offices, offices) {
		t.Fatalf("the other process serves %+v (%v)", l, err)
	}
	if !reflect.DeepEqual(other.Offices(), offices) {
		t.Errorf("the other process's Offices: %+v", other.Offices())
	}
	// A new process starts with them.
	third, err := warehouse.Open(warehouse.Config{Store: f.store, Keys: f.keys, Now: f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if !reflect.DeepEqual(third.Offices(), offices) {
		t.Errorf("a new process's Offices: %+v", third.Offices())
	}
}

// withOffices is a dataset that lists offices.
type withOffices struct {
	warehousetest.Source
	offices []trust.Office
}

func (d withOffices) Offices() []trust.Office { return d.offices }

var _ warehouse.OfficeLister = withOffices{}

// Load sets a dataset's offices when the store has none, and never
// replaces a directory the province set.
func TestLoadOffices(t *testing.T) {
	s := warehousetest.Open(t, warehouse.Config{}, withOffices{Source: warehousetest.Source{N: 2}, offices: offices})
	l, err := trust.Verify(s.TrustList(), s.RootKey())
	if err != nil || !reflect.DeepEqual(l.Offices, offices) {
		t.Fatalf("after load: %+v %v", l, err)
	}
	mine := offices[:1]
	if err := s.SetOffices(context.Background(), mine); err != nil {
		t.Fatal(err)
	}
	if err := s.Load(context.Background(), withOffices{Source: warehousetest.Source{N: 2}, offices: offices}, warehouse.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := s.Offices(); !reflect.DeepEqual(got, mine) {
		t.Errorf("a second load replaced the province's directory: %+v", got)
	}
	// A dataset without offices leaves the list without.
	plain := warehousetest.Open(t, warehouse.Config{}, nil)
	if got := plain.Offices(); len(got) != 0 {
		t.Errorf("offices from a dataset that lists none: %+v", got)
	}
}
