package warehouse_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// adminAPI is the fixture's admin API on loopback with one holder per
// role; it answers the httptest server's own host.
type adminAPI struct {
	t      *testing.T
	ts     *httptest.Server
	tokens map[string]string // holder -> token
}

func newAdminAPI(t *testing.T, f *fixture) *adminAPI {
	t.Helper()
	a := &adminAPI{t: t, tokens: map[string]string{}}
	var entries []warehouse.AdminToken
	residence := ""
	_, recs, _ := f.srv.Latest(sample.Profile(1).CitizenID)
	for _, r := range recs {
		if r.Type == "identity.residence" {
			residence, _ = r.Claims["commune"].(string)
		}
	}
	agency := sample.Record(mustType(t, "identity.citizen"), 1).Issuer
	for _, h := range []struct{ name, role, agency, commune string }{
		{"operator", warehouse.RoleOperator, "", ""},
		{"agency", warehouse.RoleAgency, agency, ""},
		{"other-agency", warehouse.RoleAgency, "vn.dongnai.nowhere", ""},
		{"commune", warehouse.RoleCommune, "", residence},
		{"other-commune", warehouse.RoleCommune, "", "Xã Không Có"},
	} {
		tok, e, err := warehouse.NewAdminToken(h.name, h.role, h.agency, h.commune)
		if err != nil {
			t.Fatal(err)
		}
		a.tokens[h.name] = tok
		entries = append(entries, e)
	}
	var hosts []string
	a.ts = httptest.NewUnstartedServer(nil)
	a.ts.Start()
	hosts = append(hosts, strings.TrimPrefix(a.ts.URL, "http://"))
	a.ts.Config.Handler = f.srv.AdminHandler(warehouse.AdminConfig{Tokens: func() []warehouse.AdminToken { return entries }, Hosts: hosts})
	t.Cleanup(a.ts.Close)
	return a
}

func mustType(t *testing.T, code string) *wallet.RecordType {
	rt, ok := wallet.LookupType(code)
	if !ok {
		t.Fatalf("no type %s", code)
	}
	return rt
}

// do sends an admin request as holder ("" for no token), with extra
// headers as name, value pairs ("Host" sets the Host).
func (a *adminAPI) do(holder, method, path string, body []byte, hdr ...string) (int, []byte) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.ts.URL+path, bytes.NewReader(body))
	if holder != "" {
		req.Header.Set("Authorization", "Bearer "+a.tokens[holder])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b json.RawMessage
	json.NewDecoder(resp.Body).Decode(&b)
	return resp.StatusCode, b
}

// TestAdminAccess: every admin endpoint refuses a request without a
// token, with an unknown token, from a web page (Origin, even a
// text/plain POST that needs no preflight), for a foreign Host (DNS
// rebinding), and from a role it is not for; each role does what it is
// for and no more.
func TestAdminAccess(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	a := newAdminAPI(t, f)
	citizen := sample.Profile(1).CitizenID
	_, recs, _ := f.srv.Latest(citizen)
	agency := sample.Record(mustType(t, "identity.citizen"), 1).Issuer
	var mine wallet.Record
	for _, r := range recs {
		if r.Issuer == agency {
			mine = r
		}
	}
	fix := mine
	fix.Version, fix.Credential, fix.Domain = 0, "", ""
	fixBody, _ := json.Marshal(fix)
	base := warehouse.AdminPathCitizens + "/" + citizen
	endpoints := []struct {
		method, path string
		body         []byte
		roles        []string // the holders it answers (2xx)
	}{
		{"GET", warehouse.AdminPathRootKey, nil, []string{"operator", "agency", "commune"}},
		{"GET", warehouse.AdminPathCitizens, nil, []string{"operator"}},
		{"GET", base, nil, []string{"operator", "agency"}},
		{"POST", base + "/enrolment-code", nil, []string{"operator", "commune"}},
		{"GET", base + "/devices", nil, []string{"operator"}},
		{"POST", base + "/records", fixBody, []string{"agency"}},
		{"POST", base + "/records/" + mine.ID + "/withdraw", nil, []string{"agency"}},
		{"POST", base + "/devices/nosuch/revoke", nil, nil},                    // 404 for the operator, refused for the rest
		{"POST", warehouse.AdminPathAgencies + "/nosuch/rotate-key", nil, nil}, // likewise
	}
	for _, ep := range endpoints {
		name := ep.method + " " + ep.path
		for _, c := range []struct {
			what, holder string
			hdr          []string
			status       int
		}{
			{"no token", "", nil, http.StatusUnauthorized},
			{"a foreign Origin", "operator", []string{"Origin", "https://evil.example", "Content-Type", "text/plain"}, http.StatusForbidden},
			{"a same-site Origin", "agency", []string{"Origin", a.ts.URL}, http.StatusForbidden},
			{"a foreign Host", "operator", []string{"Host", "evil.example:8641"}, http.StatusMisdirectedRequest},
		} {
			if st, b := a.do(c.holder, ep.method, ep.path, ep.body, c.hdr...); st != c.status {
				t.Errorf("%s with %s: %d %s, want %d", name, c.what, st, b, c.status)
			}
		}
		req, _ := http.NewRequest(ep.method, a.ts.URL+ep.path, nil)
		req.Header.Set("Authorization", "Bearer cwadm_forged")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with an unknown token: %v %v", name, err, resp.Status)
		} else {
			resp.Body.Close()
		}
		for _, holder := range []string{"operator", "agency", "commune"} {
			allowed := false
			for _, r := range ep.roles {
				allowed = allowed || r == holder
			}
			if allowed || (holder == "operator" && ep.roles == nil) {
				continue
			}
			if st, b := a.do(holder, ep.method, ep.path, ep.body); st != http.StatusForbidden {
				t.Errorf("%s as %s: %d %s, want 403", name, holder, st, b)
			}
		}
	}
	// What each role may do, it can.
	if st, b := a.do("operator", "POST", base+"/enrolment-code", nil); st != 200 {
		t.Errorf("operator code: %d %s", st, b)
	}
	if st, b := a.do("commune", "POST", base+"/enrolment-code", nil); st != 200 {
		t.Errorf("commune code for a resident: %d %s", st, b)
	}
	if st, b := a.do("other-commune", "POST", base+"/enrolment-code", nil); st != http.StatusForbidden {
		t.Errorf("commune code for a non-resident: %d %s, want 403", st, b)
	}
	var view warehouse.CitizenResponse
	st, b := a.do("agency", "GET", base, nil)
	json.Unmarshal(b, &view)
	for _, r := range view.Records {
		if r.Issuer != agency {
			t.Errorf("the agency sees another agency's record %s (%s)", r.ID, r.Issuer)
		}
	}
	if st != 200 || len(view.Records) == 0 || len(view.Records) >= len(recs) {
		t.Errorf("agency's view: %d, %d of %d records", st, len(view.Records), len(recs))
	}
	if st, b := a.do("agency", "POST", base+"/records", fixBody); st != 200 {
		t.Errorf("agency corrects its record: %d %s", st, b)
	}
	if st, b := a.do("other-agency", "POST", base+"/records", fixBody); st != http.StatusForbidden || errCode(t, b) != protocol.ErrCodeWrongIssuer {
		t.Errorf("another agency's record: %d %s, want 403 wrong_issuer", st, b)
	}
	if st, b := a.do("other-agency", "POST", base+"/records/"+mine.ID+"/withdraw", nil); st != http.StatusForbidden {
		t.Errorf("another agency withdraws: %d %s, want 403", st, b)
	}
	if st, b := a.do("agency", "POST", base+"/records/"+mine.ID+"/withdraw", nil); st != 200 {
		t.Errorf("agency withdraws its record: %d %s", st, b)
	}
}
