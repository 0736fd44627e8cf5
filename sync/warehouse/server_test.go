package warehouse_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/embedded"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// clock is a settable server clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	t     *testing.T
	srv   *warehouse.Server
	store warehouse.Store
	keys  warehouse.KeyStore
	ts    *httptest.Server
	clock *clock
}

func newFixture(t *testing.T, cfg warehouse.Config) *fixture {
	c := &clock{t: time.Now()}
	if cfg.Now == nil {
		cfg.Now = c.now
	}
	if cfg.Store == nil {
		st, err := embedded.Open("")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		cfg.Store = st
	}
	if cfg.Keys == nil {
		cfg.Keys = warehouse.FileKeys(t.TempDir())
	}
	s, ts := warehousetest.Start(t, cfg, nil)
	return &fixture{t: t, srv: s, ts: ts, clock: c, store: cfg.Store, keys: cfg.Keys}
}

// do sends a request; auth is the Authorization header ("" for none).
func (f *fixture) do(method, uri string, body []byte, auth string, hdr ...string) (int, []byte, http.Header) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.ts.URL+uri, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}

// signed sends a device-signed request.
func (f *fixture) signed(dev *keys.PrivateKey, method, uri string, body []byte) (int, []byte) {
	f.t.Helper()
	auth, err := protocol.SignRequest(dev, method, uri, body, f.clock.now())
	if err != nil {
		f.t.Fatal(err)
	}
	st, b, _ := f.do(method, uri, body, auth)
	return st, b
}

func errCode(t *testing.T, b []byte) string {
	t.Helper()
	var e protocol.Error
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("error body %q: %v", b, err)
	}
	return e.Code
}

func newKey(t testing.TB) *keys.PrivateKey {
	k, err := keys.Generate(keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func enrolBody(t *testing.T, code, citizen string, dev *keys.PrivateKey) []byte {
	jwk, _ := dev.Public().MarshalJSON()
	var m map[string]any
	json.Unmarshal(jwk, &m)
	b, _ := json.Marshal(protocol.EnrolRequest{Code: code, CitizenID: citizen, DeviceKey: m})
	return b
}

// enrol enrols a new device for sample citizen i.
func (f *fixture) enrol(i int) (*keys.PrivateKey, string) {
	f.t.Helper()
	citizen := sample.Profile(i).CitizenID
	code, err := f.srv.EnrolmentCode(citizen)
	if err != nil {
		f.t.Fatal(err)
	}
	dev := newKey(f.t)
	st, b, _ := f.do("POST", protocol.PathEnrol, enrolBody(f.t, code, citizen, dev), "")
	if st != 200 {
		f.t.Fatalf("enrol: %d %s", st, b)
	}
	var resp protocol.EnrolResponse
	if err := json.Unmarshal(b, &resp); err != nil || resp.DeviceID != dev.KID() || resp.CitizenID != citizen {
		f.t.Fatalf("enrol response %s: %v", b, err)
	}
	if _, err := trust.Verify(resp.TrustList, f.srv.RootKey()); err != nil {
		f.t.Fatalf("enrolment trust list: %v", err)
	}
	return dev, citizen
}

func TestEnrolment(t *testing.T) {
	f := newFixture(t, warehouse.Config{CodeTTL: 10 * time.Minute})
	citizen := sample.Profile(1).CitizenID
	code, err := f.srv.EnrolmentCode(citizen)
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 11 || code[5] != '-' {
		t.Errorf("code %q is not XXXXX-XXXXX", code)
	}
	if _, err := f.srv.EnrolmentCode("075000000000"); !errors.Is(err, warehouse.ErrUnknownCitizen) && err == nil {
		t.Error("code for a citizen not in the province")
	}
	dev := newKey(t)
	other := sample.Profile(2).CitizenID
	refused := map[string][]byte{
		"wrong code":          enrolBody(t, "ABCDE-FGHJK", citizen, dev),
		"other citizen":       enrolBody(t, code, other, dev),
		"bad citizen number":  enrolBody(t, code, "123", dev),
		"unknown member":      []byte(`{"code":"x","citizen_id":"` + citizen + `","device_key":{},"admin":true}`),
		"private key offered": bytes.Replace(enrolBody(t, code, citizen, dev), []byte(`"kty"`), []byte(`"d":"AAAA","kty"`), 1),
		"not JSON":            []byte("code=1"),
	}
	for name, body := range refused {
		st, b, _ := f.do("POST", protocol.PathEnrol, body, "")
		if st == 200 {
			t.Errorf("%s: enrolled", name)
		}
		if c := errCode(t, b); c != protocol.ErrCodeBadCode && c != protocol.ErrCodeBadRequest {
			t.Errorf("%s: code %s", name, c)
		}
	}
	// Lower-case and without the dash, as a person may type it.
	typed := strings.ToLower(strings.ReplaceAll(code, "-", ""))
	if st, b, _ := f.do("POST", protocol.PathEnrol, enrolBody(t, typed, citizen, dev), ""); st != 200 {
		t.Fatalf("enrol: %d %s", st, b)
	}
	// Single use.
	st, b, _ := f.do("POST", protocol.PathEnrol, enrolBody(t, code, citizen, newKey(t)), "")
	if st != http.StatusForbidden || errCode(t, b) != protocol.ErrCodeBadCode {
		t.Errorf("second use of a code: %d %s", st, b)
	}
	// Expired.
	code2, _ := f.srv.EnrolmentCode(citizen)
	f.clock.add(11 * time.Minute)
	st, b, _ = f.do("POST", protocol.PathEnrol, enrolBody(t, code2, citizen, newKey(t)), "")
	if st != http.StatusForbidden || errCode(t, b) != protocol.ErrCodeBadCode {
		t.Errorf("expired code: %d %s", st, b)
	}
	// A device key already enrolled for one citizen cannot serve another.
	code3, _ := f.srv.EnrolmentCode(other)
	st, _, _ = f.do("POST", protocol.PathEnrol, enrolBody(t, code3, other, dev), "")
	if st != http.StatusConflict {
		t.Errorf("one key for two citizens: %d", st)
	}
}

func TestRequestAuthentication(t *testing.T) {
	f := newFixture(t, warehouse.Config{ClockSkew: time.Minute})
	dev, _ := f.enrol(1)
	uri := protocol.PathChanges + "?limit=5"
	if st, b := f.signed(dev, "GET", uri, nil); st != 200 {
		t.Fatalf("a good request: %d %s", st, b)
	}
	stranger := newKey(t)
	sign := func(k *keys.PrivateKey, method, u string, body []byte, at time.Time) string {
		a, err := protocol.SignRequest(k, method, u, body, at)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	now := f.clock.now()
	replayed := sign(dev, "GET", uri, nil, now)
	if st, _, _ := f.do("GET", uri, nil, replayed); st != 200 {
		t.Fatal("first use of a request refused")
	}
	// A JWS whose kid names the device but which another key signed.
	forged := func() string {
		a := sign(stranger, "GET", uri, nil, now)
		parts := strings.Split(strings.TrimPrefix(a, "Device "), ".")
		good := strings.Split(strings.TrimPrefix(sign(dev, "GET", uri, nil, now), "Device "), ".")
		return "Device " + good[0] + "." + good[1] + "." + parts[2]
	}()
	revBody, _ := json.Marshal(protocol.RevocationsRequest{Revocations: []protocol.Revocation{{ConsentID: "c1", RevokedAt: now}}})
	cases := []struct {
		name, method, uri string
		body              []byte
		auth              string
		code              string
	}{
		{"unsigned", "GET", uri, nil, "", protocol.ErrCodeUnauthorized},
		{"other scheme", "GET", uri, nil, "Bearer x", protocol.ErrCodeUnauthorized},
		{"garbage token", "GET", uri, nil, "Device x.y.z", protocol.ErrCodeUnauthorized},
		{"unknown device", "GET", uri, nil, sign(stranger, "GET", uri, nil, now), protocol.ErrCodeUnauthorized},
		{"forged signature", "GET", uri, nil, forged, protocol.ErrCodeUnauthorized},
		{"expired", "GET", uri, nil, sign(dev, "GET", uri, nil, now.Add(-2*time.Minute)), protocol.ErrCodeUnauthorized},
		{"from the future", "GET", uri, nil, sign(dev, "GET", uri, nil, now.Add(2*time.Minute)), protocol.ErrCodeUnauthorized},
		{"replayed", "GET", uri, nil, replayed, protocol.ErrCodeReplay},
		{"other path", "GET", protocol.PathChanges + "?limit=6", nil, sign(dev, "GET", uri, nil, now), protocol.ErrCodeUnauthorized},
		{"other method", "POST", protocol.PathRevocations, revBody, sign(dev, "GET", protocol.PathRevocations, revBody, now), protocol.ErrCodeUnauthorized},
		{"body swapped", "POST", protocol.PathRevocations, revBody, sign(dev, "POST", protocol.PathRevocations, []byte(`{"revocations":[]}`), now), protocol.ErrCodeUnauthorized},
	}
	for _, tc := range cases {
		st, b, _ := f.do(tc.method, tc.uri, tc.body, tc.auth)
		if st != http.StatusUnauthorized || errCode(t, b) != tc.code {
			t.Errorf("%s: %d %s; want 401 %s", tc.name, st, b, tc.code)
		}
	}
	if ok, _ := f.srv.Revoked(context.Background(), dev.KID(), "c1"); ok {
		t.Error("a refused request stored a revocation")
	}
	// The public trust list needs no signature.
	if st, _, _ := f.do("GET", protocol.PathTrustList, nil, ""); st != 200 {
		t.Errorf("trust list: %d", st)
	}
	if st, b, _ := f.do("GET", "/v1/nothing", nil, ""); st != 404 || errCode(t, b) != protocol.ErrCodeNotFound {
		t.Errorf("unknown path: %d %s", st, b)
	}
}

func changes(t *testing.T, f *fixture, dev *keys.PrivateKey, cursor string, limit int) protocol.ChangesResponse {
	t.Helper()
	uri := fmt.Sprintf("%s?limit=%d", protocol.PathChanges, limit)
	if cursor != "" {
		uri += "&cursor=" + cursor
	}
	st, b := f.signed(dev, "GET", uri, nil)
	if st != 200 {
		t.Fatalf("changes: %d %s", st, b)
	}
	var resp protocol.ChangesResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestChangeFeed(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	dev, citizen := f.enrol(2)
	list, err := trust.Verify(f.srv.TrustList(), f.srv.RootKey())
	if err != nil {
		t.Fatal(err)
	}
	total := len(wallet.Types())
	var all []protocol.Change
	cursor := ""
	for {
		page := changes(t, f, dev, cursor, 7)
		all = append(all, page.Changes...)
		if page.Remaining != total-len(all) || page.More != (page.Remaining > 0) {
			t.Fatalf("page says %d remaining, more=%v after %d of %d", page.Remaining, page.More, len(all), total)
		}
		cursor = page.NextCursor
		if !page.More {
			break
		}
	}
	if len(all) != total {
		t.Fatalf("%d changes; want %d", len(all), total)
	}
	for i, ch := range all {
		if ch.Seq != int64(i+1) {
			t.Errorf("change %d has seq %d", i, ch.Seq)
		}
		if ch.Compact == nil || ch.Credential != "" {
			t.Errorf("change %d not in the compact form", i)
		}
		cred, err := ch.SDJWT()
		if err != nil {
			t.Fatal(err)
		}
		r, err := credential.Verify(cred, credential.VerifyOptions{Trust: list, Holder: dev.Public(), CitizenID: citizen})
		if err != nil {
			t.Fatalf("change %d does not verify: %v", i, err)
		}
		if r.ID != ch.RecordID || r.Version != ch.Version {
			t.Errorf("change %d names %s v%d, holds %s v%d", i, ch.RecordID, ch.Version, r.ID, r.Version)
		}
	}
	// Fetched again: byte-identical credentials.
	again := changes(t, f, dev, "", 100)
	for i := range again.Changes {
		a, _ := again.Changes[i].SDJWT()
		b, _ := all[i].SDJWT()
		if a != b || a == "" {
			t.Fatalf("change %d re-issued with other bytes", i)
		}
	}
	// The end of the feed: an empty page, the same cursor.
	end := changes(t, f, dev, cursor, 100)
	if len(end.Changes) != 0 || end.More || end.NextCursor != cursor {
		t.Errorf("at the end: %+v", end)
	}
	// A correction and a withdrawal continue the feed.
	first := all[0]
	_, recs, _ := f.srv.Latest(citizen)
	corr := recs[0]
	corr.Version, corr.IssuedAt = 0, time.Time{}
	if _, err := f.srv.Issue(citizen, corr); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.Withdraw(citizen, first.RecordID); err != nil {
		t.Fatal(err)
	}
	next := changes(t, f, dev, cursor, 100)
	if len(next.Changes) != 2 || next.Changes[0].Version != 2 || next.Changes[1].Kind != protocol.ChangeWithdrawal || next.Changes[1].Version != 3 {
		t.Fatalf("after a correction and a withdrawal: %+v", next.Changes)
	}
	// Bad cursors and limits.
	for _, q := range []string{"cursor=abc", "cursor=-1", "cursor=999", "cursor=01", "limit=0", "limit=501", "limit=x"} {
		st, b := f.signed(dev, "GET", protocol.PathChanges+"?"+q, nil)
		if st != http.StatusBadRequest {
			t.Errorf("%s: %d %s", q, st, b)
		}
	}
}

func TestGzip(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	dev, _ := f.enrol(1)
	uri := protocol.PathChanges + "?limit=100"
	auth, _ := protocol.SignRequest(dev, "GET", uri, nil, f.clock.now())
	req, _ := http.NewRequest("GET", f.ts.URL+uri, nil)
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("not gzip'ed: %v", resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var page protocol.ChangesResponse
	if err := json.Unmarshal(plain, &page); err != nil || len(page.Changes) == 0 {
		t.Fatalf("gzip body: %v", err)
	}
}

func TestRevocationsAndAccessLog(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	dev, citizen := f.enrol(3)
	now := f.clock.now().UTC().Truncate(time.Second)
	revs := []protocol.Revocation{revocation(t, dev, "tok-1", "vn.x", now, now.Add(time.Hour), false), revocation(t, dev, "tok-2", "vn.x", now, now.Add(time.Hour), true)}
	body, _ := json.Marshal(protocol.RevocationsRequest{Revocations: revs})
	if st, b := f.signed(dev, "POST", protocol.PathRevocations, body); st != 200 {
		t.Fatalf("revocations: %d %s", st, b)
	}
	for _, id := range []string{"tok-1", "tok-2"} {
		if ok, err := f.srv.Revoked(context.Background(), dev.KID(), id); !ok || err != nil {
			t.Errorf("%s not revoked: %v", id, err)
		}
	}
	if ok, _ := f.srv.Revoked(context.Background(), dev.KID(), "tok-3"); ok {
		t.Error("tok-3 revoked")
	}
	bad, _ := json.Marshal(protocol.RevocationsRequest{Revocations: []protocol.Revocation{{ConsentID: ""}}})
	if st, b := f.signed(dev, "POST", protocol.PathRevocations, bad); st != 200 || !strings.Contains(string(b), `"status":"refused"`) {
		t.Errorf("empty consent id: %d %s; want it refused", st, b)
	}

	for k := 0; k < 5; k++ {
		if _, err := f.srv.RecordAccess(citizen, protocol.AccessEntry{ConsentID: fmt.Sprintf("tok-%d", k), UsedAt: now,
			Counter: protocol.Counter{Agency: "UBND phường Tân Phong", CounterID: "quay-3"}, Fields: []string{"full_name"}}); err != nil {
			t.Fatal(err)
		}
	}
	var got []protocol.AccessEntry
	cursor := ""
	for {
		uri := protocol.PathAccessLog + "?limit=2"
		if cursor != "" {
			uri += "&cursor=" + cursor
		}
		st, b := f.signed(dev, "GET", uri, nil)
		if st != 200 {
			t.Fatalf("access log: %d %s", st, b)
		}
		var page protocol.AccessLogResponse
		json.Unmarshal(b, &page)
		got = append(got, page.Entries...)
		cursor = page.NextCursor
		if !page.More {
			break
		}
	}
	if len(got) != 5 || got[0].Seq != 1 || got[4].Seq != 5 || got[4].ConsentID != "tok-4" {
		t.Errorf("access log: %+v", got)
	}
	// Another citizen sees none of it.
	dev2, _ := f.enrol(4)
	st, b := f.signed(dev2, "GET", protocol.PathAccessLog, nil)
	var page protocol.AccessLogResponse
	json.Unmarshal(b, &page)
	if st != 200 || len(page.Entries) != 0 {
		t.Errorf("other citizen's log: %d %s", st, b)
	}
}

func TestRestartKeepsKeysAndChanges(t *testing.T) {
	dir := t.TempDir()
	keyDir := warehouse.FileKeys(filepath.Join(dir, "keys"))
	open := func(province string, ks warehouse.KeyStore) (*warehouse.Server, func(), error) {
		st, err := embedded.Open(filepath.Join(dir, "db"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := warehouse.Open(warehouse.Config{Store: st, Keys: ks, Province: province})
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		return s, func() { s.Close(); st.Close() }, nil
	}
	s1, close1, err := open("vn.dongnai", keyDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Load(context.Background(), warehousetest.Source{N: 4}, warehouse.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	citizen := sample.Profile(1).CitizenID
	_, recs, _ := s1.Latest(citizen)
	if _, err := s1.Withdraw(citizen, recs[2].ID); err != nil {
		t.Fatal(err)
	}
	root := s1.RootKey()
	close1()
	s2, close2, err := open("", keyDir) // the province comes from the store
	if err != nil {
		t.Fatal(err)
	}
	if !s2.RootKey().Equal(root) {
		t.Error("root key changed across a restart")
	}
	if _, err := trust.Verify(s2.TrustList(), root); err != nil {
		t.Error(err)
	}
	_, recs2, _ := s2.Latest(citizen)
	if recs2[2].Status != wallet.StatusWithdrawn {
		t.Error("withdrawal lost across a restart")
	}
	close2()
	if _, _, err := open("vn.quangngai", keyDir); err == nil || !strings.Contains(err.Error(), "vn.dongnai") {
		t.Errorf("opened a store of another province: %v", err)
	}
	if _, _, err := open("", warehouse.FileKeys(t.TempDir())); err == nil || !strings.Contains(err.Error(), "root key") {
		t.Errorf("opened a store with another key directory: %v", err)
	}
}

func TestAdminRefusals(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	citizen := sample.Profile(1).CitizenID
	_, recs, err := f.srv.Latest(citizen)
	if err != nil {
		t.Fatal(err)
	}
	r := recs[0]
	if _, err := f.srv.Issue("075000000001", r); !errors.Is(err, warehouse.ErrUnknownCitizen) {
		t.Errorf("unknown citizen: %v", err)
	}
	stale := r
	if _, err := f.srv.Issue(citizen, stale); !errors.Is(err, wallet.ErrStaleVersion) {
		t.Errorf("same version again: %v", err)
	}
	other := r
	other.Version, other.Issuer = 0, "vn.nowhere"
	if _, err := f.srv.Issue(citizen, other); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("unknown agency: %v", err)
	}
	if _, err := f.srv.Withdraw(citizen, "no-such-record"); !errors.Is(err, wallet.ErrNotFound) {
		t.Errorf("withdraw a missing record: %v", err)
	}
	if _, err := f.srv.Withdraw(citizen, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.Withdraw(citizen, r.ID); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("withdraw twice: %v", err)
	}
}
