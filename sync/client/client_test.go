package client_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/linksim"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

const pin = "246810"

var ctx = context.Background()

// newWallet creates sample citizen i's profile in a temporary directory.
func newWallet(t testing.TB, i int) (*badgerstore.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "profile")
	st, err := badgerstore.Create(dir, []byte(pin), sample.Profile(i), badgerstore.Options{KDF: kdf.Test()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, dir
}

func newClient(t testing.TB, url string, root *keys.PublicKey, hc *http.Client) *client.Client {
	t.Helper()
	// Pages of 8 that do not grow, so that tests can name page boundaries.
	c, err := client.New(client.Config{BaseURL: url, RootKey: root, HTTPClient: hc, Attempts: 3,
		RetryWait: 5 * time.Millisecond, RetryMaxWait: 20 * time.Millisecond, PageSize: 8, MaxPageSize: 8, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func enrol(t testing.TB, srv *warehouse.Server, c *client.Client, st wallet.Store, i int) {
	t.Helper()
	code, err := srv.EnrolmentCode(sample.Profile(i).CitizenID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Enrol(ctx, st, code, "test phone"); err != nil {
		t.Fatal(err)
	}
}

func count(t testing.TB, st wallet.Store) int {
	t.Helper()
	all, err := st.Records(ctx, wallet.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

func cursor(t testing.TB, st wallet.Store) string {
	b, err := st.Meta(ctx, client.MetaCursor)
	if errors.Is(err, wallet.ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEnrolAndSync(t *testing.T) {
	srv, ts := warehousetest.Start(t, warehouse.Config{}, nil)
	st, _ := newWallet(t, 1)
	c := newClient(t, ts.URL, srv.RootKey(), nil)
	if _, err := c.Sync(ctx, st, nil); !errors.Is(err, client.ErrNotEnrolled) {
		t.Fatalf("sync before enrolment: %v", err)
	}
	if _, err := c.Enrol(ctx, st, "AAAAA-AAAAA", ""); !errors.Is(err, client.ErrRefused) {
		t.Fatalf("enrol with a wrong code: %v", err)
	}
	if _, _, err := client.Warehouse(ctx, st); !errors.Is(err, client.ErrNotEnrolled) {
		t.Fatalf("warehouse after a refused enrolment: %v", err)
	}
	enrol(t, srv, c, st, 1)
	// The profile remembers where it is enrolled.
	base, root, err := client.Warehouse(ctx, st)
	if err != nil || base != ts.URL || !root.Equal(srv.RootKey()) {
		t.Fatalf("stored warehouse: %q, %v, %v", base, root, err)
	}

	var seen []wallet.SyncProgress
	res, err := c.Sync(ctx, st, wallet.ProgressFunc(func(p wallet.SyncProgress) { seen = append(seen, p) }))
	if err != nil {
		t.Fatal(err)
	}
	n := len(wallet.Types())
	if res.Stored != n || res.Records != n || res.New != n || res.Held != n || len(res.Rejected) != 0 || count(t, st) != n {
		t.Fatalf("first sync: %+v, %d stored", res, count(t, st))
	}
	if res.Pages != (n+7)/8 {
		t.Errorf("%d pages of 8 for %d records", res.Pages, n)
	}
	last := seen[len(seen)-1]
	if len(seen) != res.Pages || last.Records != n || last.New != n || last.EntriesDone != n || last.EntriesTotal != n ||
		last.BytesDone != last.BytesTotal || last.BytesDone == 0 {
		t.Errorf("progress: %+v", seen)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i].EntriesDone <= seen[i-1].EntriesDone || seen[i].BytesDone <= seen[i-1].BytesDone {
			t.Errorf("progress went backwards: %+v", seen)
		}
	}
	// What is stored is what the agencies issued, with the credential.
	_, issued, _ := srv.Latest(sample.Profile(1).CitizenID)
	for _, want := range issued {
		got, err := st.Record(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Credential == "" || got.ReceivedAt.IsZero() || got.Version != want.Version || got.Issuer != want.Issuer {
			t.Errorf("stored %s: %+v", want.ID, got)
		}
	}
	if last, _ := client.LastSync(ctx, st); last.IsZero() {
		t.Error("last sync time not stored")
	}

	// Nothing new: one request, nothing stored.
	res, err = c.Sync(ctx, st, nil)
	if err != nil || res.Stored != 0 || res.Pages != 1 || res.TrustList {
		t.Fatalf("sync with nothing new: %+v, %v", res, err)
	}

	// A correction and a withdrawal arrive as new versions.
	citizen := sample.Profile(1).CitizenID
	fix := issued[4]
	fix.Version, fix.IssuedAt, fix.Credential = 0, time.Time{}, ""
	if _, err := srv.Issue(citizen, fix); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Withdraw(citizen, issued[5].ID); err != nil {
		t.Fatal(err)
	}
	if res, err = c.Sync(ctx, st, nil); err != nil || res.Stored != 2 || res.Records != 2 || res.Updated != 1 || res.Withdrawn != 1 || res.New != 0 || res.Held != n {
		t.Fatalf("sync of a correction and a withdrawal: %+v, %v", res, err)
	}
	hist, _ := st.History(ctx, issued[4].ID)
	if len(hist) != 2 || hist[0].Status != wallet.StatusSuperseded || hist[1].Version != 2 {
		t.Errorf("history after a correction: %+v", hist)
	}
	if w, _ := st.Record(ctx, issued[5].ID); w.Status != wallet.StatusWithdrawn {
		t.Errorf("withdrawn record is %s", w.Status)
	}
	if count(t, st) != n {
		t.Errorf("%d records after updates; want %d", count(t, st), n)
	}
}

// proxy serves the warehouse through edit, which may rewrite a response
// body (nil: pass through) or take over the response entirely.
type proxy struct {
	target http.Handler
	edit   func(w http.ResponseWriter, r *http.Request, body []byte) (out []byte, handled bool)
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	r.Header.Del("Accept-Encoding") // keep bodies plain for editing
	p.target.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if p.edit != nil {
		out, handled := p.edit(w, r, body)
		if handled {
			return
		}
		if out != nil {
			body = out
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	w.Write(body)
}

func editPage(body []byte, fn func(*protocol.ChangesResponse)) []byte {
	var page protocol.ChangesResponse
	if json.Unmarshal(body, &page) != nil {
		return body
	}
	fn(&page)
	b, _ := json.Marshal(page)
	return b
}

func TestBadRecordsAreRejectedAndSyncGoesOn(t *testing.T) {
	srv := warehousetest.Open(t, warehouse.Config{}, warehousetest.Source{N: 5})
	st, _ := newWallet(t, 1)
	var dev *keys.PrivateKey
	other := sample.Profile(2).CitizenID
	stranger, _ := keys.Generate(keys.EdDSA)
	p := &proxy{target: srv.Handler()}
	ts := httptest.NewServer(p)
	defer ts.Close()
	c := newClient(t, ts.URL, srv.RootKey(), nil)
	enrol(t, srv, c, st, 1)
	dev, err := client.DeviceKey(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	_, recs, _ := srv.Latest(sample.Profile(1).CitizenID)
	rogue, _ := keys.Generate(keys.ES256)
	unknownIssuer := recs[3]
	unknownIssuer.Issuer = "vn.rogue"
	rogueCred, err := credential.Issue(unknownIssuer, sample.Profile(1).CitizenID, rogue, dev.Public(), credential.IssueOptions{SignedAt: time.Now(), Province: "vn.dongnai"})
	if err != nil {
		t.Fatal(err)
	}
	otherCitizen, err := srv.IssueCredential(recs[4], other, dev.Public())
	if err != nil {
		t.Fatal(err)
	}
	otherDevice, err := srv.IssueCredential(recs[5], sample.Profile(1).CitizenID, stranger.Public())
	if err != nil {
		t.Fatal(err)
	}
	p.edit = func(w http.ResponseWriter, r *http.Request, body []byte) ([]byte, bool) {
		if r.URL.Path != protocol.PathChanges {
			return nil, false
		}
		return editPage(body, func(page *protocol.ChangesResponse) {
			for i := range page.Changes {
				ch := &page.Changes[i]
				cred, err := ch.SDJWT()
				if err != nil {
					t.Error(err)
				}
				ch.Compact, ch.Credential = nil, cred
				switch ch.Seq {
				case 2: // a forged signature
					jwt, rest, _ := strings.Cut(ch.Credential, "~")
					// Another base64url character, not at the end
					// (whose low bits may be padding).
					sig := []byte(jwt)
					if sig[len(sig)-3] == 'A' {
						sig[len(sig)-3] = 'B'
					} else {
						sig[len(sig)-3] = 'A'
					}
					ch.Credential = string(sig) + "~" + rest
				case 4:
					ch.Credential = rogueCred
				case 5:
					ch.Credential = otherCitizen
				case 6:
					ch.Credential = otherDevice
				}
			}
		}), false
	}
	res, err := c.Sync(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]error{2: credential.ErrForged, 4: credential.ErrUnknownIssuer, 5: credential.ErrOtherCitizen, 6: credential.ErrOtherDevice}
	if len(res.Rejected) != len(want) {
		t.Fatalf("rejected %d: %+v", len(res.Rejected), res.Rejected)
	}
	for _, rj := range res.Rejected {
		if !errors.Is(rj.Err, want[rj.Seq]) {
			t.Errorf("seq %d rejected with %v; want %v", rj.Seq, rj.Err, want[rj.Seq])
		}
		if _, err := st.Record(ctx, rj.RecordID); !errors.Is(err, wallet.ErrNotFound) {
			t.Errorf("rejected record %s was stored", rj.RecordID)
		}
	}
	if n := len(wallet.Types()) - len(want); res.Stored != n || count(t, st) != n {
		t.Errorf("stored %d (%d in the store); want the other %d", res.Stored, count(t, st), n)
	}

	// An issuer key not valid when the credential was signed (iat is the
	// signing time: the key's validity starts only in an hour).
	late := warehousetest.Open(t, warehouse.Config{KeysNotBefore: time.Now().Add(time.Hour)}, warehousetest.Source{N: 5})
	lts := httptest.NewServer(late.Handler())
	defer lts.Close()
	st2, _ := newWallet(t, 1)
	c2 := newClient(t, lts.URL, late.RootKey(), nil)
	enrol(t, late, c2, st2, 1)
	res, err = c2.Sync(ctx, st2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) != len(wallet.Types()) || count(t, st2) != 0 {
		t.Fatalf("expired issuer keys: %d rejected, %d stored", len(res.Rejected), count(t, st2))
	}
	for _, rj := range res.Rejected {
		if !errors.Is(rj.Err, credential.ErrIssuerKey) {
			t.Errorf("%s: %v; want ErrIssuerKey", rj.RecordID, rj.Err)
		}
	}
}

func TestNetworkFailuresLeaveTheStoreUnchanged(t *testing.T) {
	srv := warehousetest.Open(t, warehouse.Config{}, warehousetest.Source{N: 3, Extra: 40})
	var mode atomic.Value
	mode.Store("")
	var changeCalls atomic.Int32
	p := &proxy{target: srv.Handler(), edit: func(w http.ResponseWriter, r *http.Request, body []byte) ([]byte, bool) {
		if r.URL.Path != protocol.PathChanges {
			return nil, false
		}
		n := changeCalls.Add(1)
		if n == 1 { // the first page always passes, so there is a cursor to keep
			return nil, false
		}
		switch mode.Load().(string) {
		case "kill mid-page":
			w.Header().Set("Content-Length", "100000")
			w.WriteHeader(200)
			w.Write(body[:len(body)/2])
			if hj, ok := w.(http.Hijacker); ok {
				conn, _, _ := hj.Hijack()
				conn.Close()
			}
			return nil, true
		case "malformed JSON":
			return []byte(`{"changes":[{"seq":`), false
		case "unknown member":
			return bytes.Replace(body, []byte(`"more"`), []byte(`"evil":1,"more"`), 1), false
		case "10 MB garbage":
			w.WriteHeader(200)
			junk := make([]byte, 10<<20)
			rand.Read(junk)
			w.Write(junk)
			return nil, true
		case "server error":
			w.WriteHeader(503)
			return nil, true
		}
		return nil, false
	}}
	ts := httptest.NewServer(p)
	defer ts.Close()
	c := newClient(t, ts.URL, srv.RootKey(), nil)
	total := len(wallet.Types()) + 40

	for _, m := range []struct {
		mode string
		want error
	}{
		{"kill mid-page", client.ErrOffline},
		{"malformed JSON", client.ErrBadResponse},
		{"unknown member", client.ErrBadResponse},
		{"10 MB garbage", client.ErrBadResponse},
		{"server error", client.ErrRefused},
	} {
		st, _ := newWallet(t, 0)
		enrol(t, srv, c, st, 0)
		changeCalls.Store(0)
		mode.Store(m.mode)
		_, err := c.Sync(ctx, st, nil)
		if !errors.Is(err, m.want) {
			t.Errorf("%s: %v; want %v", m.mode, err, m.want)
		}
		// The first page is stored with its cursor; nothing else.
		if count(t, st) != 8 || cursor(t, st) != "8" {
			t.Errorf("%s: %d records, cursor %q after the failure; want 8, \"8\"", m.mode, count(t, st), cursor(t, st))
		}
		mode.Store("")
		res, err := c.Sync(ctx, st, nil)
		if err != nil || count(t, st) != total || res.Stored != total-8 {
			t.Errorf("%s: resumed sync: %+v, %v; %d records", m.mode, res, err, count(t, st))
		}
	}

	// A connection cut mid-body by the link itself (linksim), every time:
	// retries fail, the store keeps what it had. 1500 bytes are the
	// request (about 560) and the start of the answer: even a page of one
	// record, which a retry after a cut comes down to, does not fit.
	st, _ := newWallet(t, 0)
	enrol(t, srv, c, st, 0)
	d, err := linksim.NewDialer(linksim.Profile{Name: "cut", CutAfter: 1500})
	if err != nil {
		t.Fatal(err)
	}
	cut := newClient(t, ts.URL, srv.RootKey(), &http.Client{Transport: &http.Transport{DialContext: d.DialContext}})
	changeCalls.Store(100)
	if _, err := cut.Sync(ctx, st, nil); !errors.Is(err, client.ErrOffline) {
		t.Errorf("cut link: %v; want ErrOffline", err)
	}
	if count(t, st) != 0 || cursor(t, st) != "" {
		t.Errorf("cut link changed the store: %d records, cursor %q", count(t, st), cursor(t, st))
	}

	// Offline with a cached trust list: a clear ErrOffline, nothing lost.
	ts.Close()
	before := count(t, st)
	if _, err := c.Sync(ctx, st, nil); !errors.Is(err, client.ErrOffline) {
		t.Errorf("server gone: %v", err)
	}
	if count(t, st) != before {
		t.Error("an offline sync changed the store")
	}
}

// TestRetriesAreSignedAnew: a request retried after a 503 carries a new
// request id (the server would refuse the old one as a replay).
func TestRetriesAreSignedAnew(t *testing.T) {
	srv := warehousetest.Open(t, warehouse.Config{}, warehousetest.Source{N: 2})
	var mu sync.Mutex
	var auths []string
	var fails atomic.Int32
	fails.Store(2)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == protocol.PathChanges {
			mu.Lock()
			auths = append(auths, r.Header.Get("Authorization"))
			mu.Unlock()
			if fails.Add(-1) >= 0 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
		}
		srv.Handler().ServeHTTP(w, r)
	})
	ts := httptest.NewServer(h)
	defer ts.Close()
	c := newClient(t, ts.URL, srv.RootKey(), nil)
	st, _ := newWallet(t, 1)
	enrol(t, srv, c, st, 1)
	if _, err := c.Sync(ctx, st, nil); err != nil {
		t.Fatalf("sync after two 503s: %v", err)
	}
	if len(auths) < 3 || auths[0] == auths[1] || auths[1] == auths[2] {
		t.Errorf("retries reused a signature: %d requests", len(auths))
	}
}
