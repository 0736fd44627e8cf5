// Package servertest checks the warehouse service end to end on a given
// Store: real HTTP on loopback, real agency-signed ingestion batches, a
// real wallet (encrypted badger store and the sync client) syncing while
// agencies write, real online tokens redeemed concurrently. Every store
// implementation runs it (sync/warehouse/embedded, sync/warehouse/postgres)
// beside the store-level suite (sync/warehouse/storetest).
//
// Concurrency checks assert on the final state — every acknowledged
// write in the feed exactly once, the wallet equal to the warehouse, no
// answer 500 — never on timing.
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// Open returns a new, empty store for one test; Run closes it.
type Open func(t *testing.T) warehouse.Store

// Run runs every check against stores made by open.
func Run(t *testing.T, open Open) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, f *Fixture)
	}{
		{"ConcurrentIngestOneCitizen", testConcurrentIngest},
		{"IngestWhileWalletSyncs", testIngestWhileSyncing},
		{"ConcurrentRedeem", testConcurrentRedeem},
		{"IngestRefusals", testIngestRefusals},
		{"IngestIdempotency", testIngestIdempotency},
		{"Revocations", testRevocations},
		{"Offices", testOffices},
		{"CredentialLifecycle", testCredentialLifecycle},
		{"WithdrawnRecordOffline", testWithdrawnOffline},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			t.Cleanup(func() { st.Close() }) // after the server's own cleanup
			tc.fn(t, Start(t, st))
		})
	}
}

// Fixture is a warehouse on a store, served on loopback, loaded with
// warehousetest.Source{N: 3}, whose agencies' client keys it holds.
type Fixture struct {
	Srv     *warehouse.Server
	TS      *httptest.Server
	Store   warehouse.Store
	Keys    warehouse.KeyStore // the server's (file keys in a temporary directory)
	clients map[string]*keys.PrivateKey
}

// Start serves a warehouse on st (which the caller closes) with the
// test dataset loaded.
func Start(t *testing.T, st warehouse.Store) *Fixture {
	t.Helper()
	f := &Fixture{Store: st, Keys: warehouse.FileKeys(t.TempDir()), clients: map[string]*keys.PrivateKey{}}
	var mu sync.Mutex
	f.Srv = warehousetest.Open(t, warehouse.Config{Store: st, Keys: f.Keys}, nil)
	// warehousetest.Open loaded the agencies without client keys: give
	// each one now, as the province registers an agency's system.
	for _, a := range (warehousetest.Source{}).Agencies() {
		k, err := keys.Generate(keys.ES256)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		f.clients[a.ID] = k
		mu.Unlock()
		if err := f.Srv.RegisterAgency(context.Background(), a, k.Public(), keys.ES256); err != nil {
			t.Fatal(err)
		}
	}
	f.TS = httptest.NewServer(f.Srv.Handler())
	t.Cleanup(f.TS.Close)
	return f
}

// Agency is the first agency of the test dataset and the issuer of the
// records testRecord makes.
func (f *Fixture) Agency() string { return sample.Record(checkup(), 0).Issuer }

// ClientKey returns an agency's client key.
func (f *Fixture) ClientKey(agency string) *keys.PrivateKey { return f.clients[agency] }

func checkup() *wallet.RecordType {
	t, _ := wallet.LookupType("health.checkup")
	return t
}

// testRecord is a new health checkup of citizen i with id suffix tag.
func testRecord(i int, tag string) wallet.Record {
	r := sample.Record(checkup(), i)
	r.ID = "checkup-" + tag
	r.Version = 0
	r.IssuedAt = time.Time{}
	r.Domain = ""
	r.Status = ""
	return r
}

// IssueOp is an issue operation of r for citizen i.
func IssueOp(i int, r wallet.Record) protocol.Operation {
	raw, _ := json.Marshal(r)
	return protocol.Operation{Op: protocol.OpIssue, CitizenID: sample.Profile(i).CitizenID, Record: raw}
}

// Push sends a batch signed by agency's client key (or by key, when
// given) and returns the status and the decoded answer.
func (f *Fixture) Push(t testing.TB, agency string, key *keys.PrivateKey, req protocol.IngestRequest) (int, protocol.IngestResponse, protocol.Error) {
	t.Helper()
	body, _ := json.Marshal(req)
	if key == nil {
		key = f.clients[agency]
	}
	auth, err := protocol.SignAgencyRequest(key, agency, http.MethodPost, protocol.PathIngest, body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return f.pushRaw(t, auth, body)
}

func (f *Fixture) pushRaw(t testing.TB, auth string, body []byte) (int, protocol.IngestResponse, protocol.Error) {
	t.Helper()
	hr, _ := http.NewRequest(http.MethodPost, f.TS.URL+protocol.PathIngest, bytes.NewReader(body))
	hr.Header.Set("Authorization", auth)
	hr.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Errorf("push: %v", err)
		return 0, protocol.IngestResponse{}, protocol.Error{}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out protocol.IngestResponse
	var perr protocol.Error
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Errorf("push answer: %v: %s", err, raw)
		}
	} else {
		json.Unmarshal(raw, &perr)
	}
	return resp.StatusCode, out, perr
}

// feed returns every entry of citizen i's feed, checking seqs are 1..n.
func (f *Fixture) feed(t *testing.T, i int) []warehouse.Entry {
	t.Helper()
	var all []warehouse.Entry
	after := int64(0)
	for {
		page, head, err := f.Store.Feed(context.Background(), sample.Profile(i).CitizenID, after, 100)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) == 0 {
			if after != head {
				t.Fatalf("feed ends at %d, head %d", after, head)
			}
			break
		}
		after = page[len(page)-1].Seq
	}
	for k, e := range all {
		if e.Seq != int64(k+1) {
			t.Fatalf("feed entry %d has seq %d", k, e.Seq)
		}
	}
	return all
}

// testConcurrentIngest: 40 agencies' requests at once for one citizen:
// all answered 200, every record stored exactly once.
func testConcurrentIngest(t *testing.T, f *Fixture) {
	before := len(f.feed(t, 0))
	const n = 40
	var wg sync.WaitGroup
	results := make([]protocol.IngestResult, n)
	status := make([]int, n)
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, resp, _ := f.Push(t, f.Agency(), nil, protocol.IngestRequest{Operations: []protocol.Operation{IssueOp(0, testRecord(0, fmt.Sprint("par-", k)))}})
			status[k] = st
			if len(resp.Results) == 1 {
				results[k] = resp.Results[0]
			}
		}()
	}
	wg.Wait()
	seqs := map[int64]string{}
	for k := 0; k < n; k++ {
		if status[k] != http.StatusOK || results[k].Status != protocol.IngestStored {
			t.Fatalf("push %d: %d %+v", k, status[k], results[k])
		}
		if other, dup := seqs[results[k].Seq]; dup {
			t.Fatalf("seq %d acknowledged for %s and %s", results[k].Seq, other, results[k].RecordID)
		}
		seqs[results[k].Seq] = results[k].RecordID
	}
	feed := f.feed(t, 0)
	if len(feed) != before+n {
		t.Fatalf("feed has %d entries, want %d + %d acknowledged", len(feed), before, n)
	}
	for _, e := range feed[before:] {
		if seqs[e.Seq] != e.Record.ID {
			t.Errorf("seq %d holds %s, acknowledged %q", e.Seq, e.Record.ID, seqs[e.Seq])
		}
	}
}

// newWallet is citizen i's wallet, enrolled with the fixture's warehouse.
func (f *Fixture) newWallet(t *testing.T, i int) (*badgerstore.Store, *client.Client) {
	t.Helper()
	st, err := badgerstore.Create(filepath.Join(t.TempDir(), "profile"), []byte("246810"), sample.Profile(i), badgerstore.Options{KDF: kdf.Test()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := client.New(client.Config{BaseURL: f.TS.URL, RootKey: f.Srv.RootKey(), RetryWait: 5 * time.Millisecond, RetryMaxWait: 20 * time.Millisecond, PageSize: 7, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	code, err := f.Srv.EnrolmentCode(sample.Profile(i).CitizenID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Enrol(context.Background(), st, code, "test phone"); err != nil {
		t.Fatal(err)
	}
	return st, c
}

// testIngestWhileSyncing: 8 rounds of 30 concurrent issues while the
// citizen's wallet syncs; the wallet ends equal to the warehouse.
func testIngestWhileSyncing(t *testing.T, f *Fixture) {
	st, c := f.newWallet(t, 1)
	ctx := context.Background()
	acked := map[string]bool{}
	var mu sync.Mutex
	for round := 0; round < 8; round++ {
		var wg sync.WaitGroup
		syncErr := make(chan error, 1)
		go func() { _, err := c.Sync(ctx, st, nil); syncErr <- err }()
		for k := 0; k < 30; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := testRecord(1, fmt.Sprintf("r%d-%d", round, k))
				code, resp, perr := f.Push(t, f.Agency(), nil, protocol.IngestRequest{Operations: []protocol.Operation{IssueOp(1, r)}})
				if code != http.StatusOK || resp.Results[0].Status != protocol.IngestStored {
					t.Errorf("push: %d %+v %+v", code, resp, perr)
					return
				}
				mu.Lock()
				acked[r.ID] = true
				mu.Unlock()
			}()
		}
		wg.Wait()
		if err := <-syncErr; err != nil {
			t.Fatalf("sync during round %d: %v", round, err)
		}
	}
	if _, err := c.Sync(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	_, latest, err := f.Srv.Latest(sample.Profile(1).CitizenID)
	if err != nil {
		t.Fatal(err)
	}
	have, err := st.Records(ctx, wallet.Query{})
	if err != nil {
		t.Fatal(err)
	}
	inWallet := map[string]int{}
	for _, r := range have {
		inWallet[r.ID] = r.Version
	}
	for _, r := range latest {
		if inWallet[r.ID] != r.Version {
			t.Errorf("record %s: warehouse v%d, wallet v%d", r.ID, r.Version, inWallet[r.ID])
		}
		delete(acked, r.ID)
	}
	if len(inWallet) != len(latest) {
		t.Errorf("wallet holds %d records, warehouse %d", len(inWallet), len(latest))
	}
	if len(acked) != 0 {
		t.Errorf("%d acknowledged records are not in the warehouse: %v", len(acked), acked)
	}
	if len(f.feed(t, 1)) != len(latest) {
		t.Errorf("feed has doubled entries")
	}
}

// testConcurrentRedeem: 20 counters redeem one single-use online token at
// once: exactly one gets the data; 20 tokens redeemed at once: 20 uses in
// the citizen's access log.
func testConcurrentRedeem(t *testing.T, f *Fixture) {
	st, c := f.newWallet(t, 2)
	ctx := context.Background()
	if _, err := c.Sync(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	dev, err := client.DeviceKey(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := st.Records(ctx, wallet.Query{})
	var rec wallet.Record
	for _, r := range recs {
		if r.Type == "identity.citizen" {
			rec = r
		}
	}
	audience := f.Agency()
	token := func() string {
		tok, _, err := consent.BuildReference(dev, consent.Reference{Audience: audience, IssuedAt: time.Now().Unix(), Purpose: "kiểm thử", SingleUse: true,
			Scope: []consent.ScopeItem{{RecordID: rec.ID, Claims: []string{"full_name"}}}})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	redeem := func(tok string) int {
		body, _ := json.Marshal(protocol.RedeemRequest{Token: tok, Counter: protocol.Counter{Agency: audience, CounterID: "q1"}})
		resp, err := http.Post(f.TS.URL+protocol.PathRedeem, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Error(err)
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	one := token()
	const n = 20
	codes := make([]int, n)
	var wg sync.WaitGroup
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() { defer wg.Done(); codes[k] = redeem(one) }()
	}
	wg.Wait()
	ok, used := 0, 0
	for _, code := range codes {
		switch code {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
			used++
		default:
			t.Errorf("redeem answered %d", code)
		}
	}
	if ok != 1 || used != n-1 {
		t.Errorf("%d concurrent redemptions of one single-use token: %d got the data, %d were refused as used; want 1 and %d", n, ok, used, n-1)
	}
	tokens := make([]string, n)
	for k := range tokens {
		tokens[k] = token()
	}
	for k := 0; k < n; k++ {
		wg.Add(1)
		go func() { defer wg.Done(); codes[k] = redeem(tokens[k]) }()
	}
	wg.Wait()
	for k, code := range codes {
		if code != http.StatusOK {
			t.Errorf("token %d: %d", k, code)
		}
	}
	log, _, err := c.AccessLog(ctx, st, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != n+1 {
		t.Errorf("access log has %d uses, want %d (every redemption that handed out data)", len(log), n+1)
	}
}

// testIngestRefusals: each wrong request gets its own answer and stores
// nothing.
func testIngestRefusals(t *testing.T, f *Fixture) {
	agency := f.Agency()
	var other string
	for id := range f.clients {
		if id != agency {
			other = id
			break
		}
	}
	before := len(f.feed(t, 0))
	good := protocol.IngestRequest{Operations: []protocol.Operation{IssueOp(0, testRecord(0, "good"))}}

	// Wrong key: another agency's key, and a key nobody registered.
	stranger, _ := keys.Generate(keys.ES256)
	for name, key := range map[string]*keys.PrivateKey{"another agency's key": f.clients[other], "an unregistered key": stranger} {
		if code, _, perr := f.Push(t, agency, key, good); code != http.StatusUnauthorized || perr.Code != protocol.ErrCodeUnauthorized {
			t.Errorf("%s: %d %+v, want 401 unauthorized", name, code, perr)
		}
	}
	// A device's request scheme is not an agency's.
	body, _ := json.Marshal(good)
	auth, _ := protocol.SignRequest(f.clients[agency], http.MethodPost, protocol.PathIngest, body, time.Now())
	if code, _, _ := f.pushRaw(t, auth, body); code != http.StatusUnauthorized {
		t.Errorf("device-scheme request: %d, want 401", code)
	}
	// A replayed request: the same Authorization and body twice.
	auth, _ = protocol.SignAgencyRequest(f.clients[agency], agency, http.MethodPost, protocol.PathIngest, body, time.Now())
	if code, resp, _ := f.pushRaw(t, auth, body); code != http.StatusOK || resp.Stored != 1 {
		t.Fatalf("first send: %d %+v", code, resp)
	}
	if code, _, perr := f.pushRaw(t, auth, body); code != http.StatusUnauthorized || perr.Code != protocol.ErrCodeReplay {
		t.Errorf("replayed request: %d %+v, want 401 replay", code, perr)
	}
	// A body that is not the signed one.
	auth, _ = protocol.SignAgencyRequest(f.clients[agency], agency, http.MethodPost, protocol.PathIngest, body, time.Now())
	tampered := bytes.Replace(body, []byte("good"), []byte("evil"), 1)
	if code, _, _ := f.pushRaw(t, auth, tampered); code != http.StatusUnauthorized {
		t.Errorf("a body changed after signing: %d, want 401", code)
	}
	// Malformed batches.
	for name, raw := range map[string]string{
		"not JSON":         `{"operations": [`,
		"unknown member":   `{"operations": [], "extra": 1}`,
		"empty":            `{"operations": []}`,
		"too many":         `{"operations": [` + strings.Repeat(`{"op":"withdraw","citizen_id":"075000000001","record_id":"x"},`, protocol.MaxIngestOperations) + `{"op":"withdraw","citizen_id":"075000000001","record_id":"x"}]}`,
		"duplicate member": `{"operations": [], "operations": []}`,
	} {
		auth, _ := protocol.SignAgencyRequest(f.clients[agency], agency, http.MethodPost, protocol.PathIngest, []byte(raw), time.Now())
		if code, _, perr := f.pushRaw(t, auth, []byte(raw)); code != http.StatusBadRequest || perr.Code != protocol.ErrCodeBadRequest {
			t.Errorf("%s batch: %d %+v, want 400 bad_request", name, code, perr)
		}
	}
	// Per-operation refusals in one batch, beside a good operation.
	foreign := testRecord(0, "foreign")
	foreign.Issuer = other
	unknownType := testRecord(0, "unknown-type")
	unknownType.Type = "health.horoscope"
	large := testRecord(0, "large") // each value within the registry's limits, the whole too big to serve
	codes := make([]any, 12)
	for k := range codes {
		codes[k] = strings.Repeat("J", wallet.MaxTextBytes-10)
	}
	large.Claims = wallet.Claims{}
	for k, v := range sample.Record(checkup(), 0).Claims {
		large.Claims[k] = v
	}
	large.Claims["icd10_codes"] = codes // ≈ 48 KiB in its credential, over credential.MaxBytes
	invalid := testRecord(0, "invalid")
	invalid.Claims = wallet.Claims{"no_such_field": "x"}
	stored := testRecord(0, "stored")
	ops := []protocol.Operation{
		IssueOp(0, foreign),
		IssueOp(0, unknownType),
		IssueOp(0, large),
		IssueOp(0, invalid),
		{Op: protocol.OpIssue, CitizenID: "079999999999", Record: IssueOp(0, testRecord(0, "nobody")).Record},
		{Op: protocol.OpCorrect, CitizenID: sample.Profile(0).CitizenID, Record: IssueOp(0, testRecord(0, "missing")).Record},
		{Op: protocol.OpWithdraw, CitizenID: sample.Profile(0).CitizenID, RecordID: "missing"},
		{Op: "delete", CitizenID: sample.Profile(0).CitizenID, RecordID: "x"},
		IssueOp(0, stored),
	}
	want := []string{protocol.ErrCodeWrongIssuer, protocol.ErrCodeUnknownType, protocol.ErrCodeTooLarge, protocol.ErrCodeInvalidRecord,
		protocol.ErrCodeUnknownCitizen, protocol.ErrCodeNoRecord, protocol.ErrCodeNoRecord, protocol.ErrCodeBadRequest, ""}
	code, resp, perr := f.Push(t, agency, nil, protocol.IngestRequest{Operations: ops})
	if code != http.StatusOK || len(resp.Results) != len(ops) {
		t.Fatalf("mixed batch: %d %+v %+v", code, resp, perr)
	}
	for i, r := range resp.Results {
		switch {
		case want[i] == "" && r.Status != protocol.IngestStored:
			t.Errorf("operation %d: %+v, want stored", i, r)
		case want[i] != "" && (r.Status != protocol.IngestRefused || r.Error == nil || r.Error.Code != want[i]):
			t.Errorf("operation %d: %+v, want refused with %s", i, r, want[i])
		}
	}
	if resp.Stored != 1 {
		t.Errorf("stored %d, want 1", resp.Stored)
	}
	// An issue of an existing record, and a correction by another agency.
	code, resp, _ = f.Push(t, agency, nil, protocol.IngestRequest{Operations: []protocol.Operation{IssueOp(0, func() wallet.Record {
		r := testRecord(0, "stored")
		r.Claims = wallet.Claims{}
		for k, v := range sample.Record(checkup(), 1).Claims {
			r.Claims[k] = v
		}
		return r
	}())}})
	if code != http.StatusOK || resp.Results[0].Error == nil || resp.Results[0].Error.Code != protocol.ErrCodeRecordExists {
		t.Errorf("issue of an existing record: %d %+v", code, resp)
	}
	corr := stored
	corr.Issuer = ""
	raw, _ := json.Marshal(corr)
	code, resp, _ = f.Push(t, other, nil, protocol.IngestRequest{Operations: []protocol.Operation{{Op: protocol.OpCorrect, CitizenID: sample.Profile(0).CitizenID, Record: raw}}})
	if code != http.StatusOK || resp.Results[0].Error == nil || resp.Results[0].Error.Code != protocol.ErrCodeWrongIssuer {
		t.Errorf("another agency correcting a record: %d %+v", code, resp)
	}
	// Another agency sending the very operation that stored a record (no
	// issuer named: it defaults to the sender) is not a duplicate of it.
	resend := stored
	resend.Issuer = ""
	code, resp, _ = f.Push(t, other, nil, protocol.IngestRequest{Operations: []protocol.Operation{IssueOp(0, resend)}})
	if code != http.StatusOK || resp.Results[0].Error == nil || resp.Results[0].Error.Code != protocol.ErrCodeWrongIssuer {
		t.Errorf("another agency re-sending a stored record's operation: %d %+v, want wrong_issuer", code, resp)
	}
	// Withdrawn: nothing follows.
	code, resp, _ = f.Push(t, agency, nil, protocol.IngestRequest{Operations: []protocol.Operation{
		{Op: protocol.OpWithdraw, CitizenID: sample.Profile(0).CitizenID, RecordID: stored.ID},
		{Op: protocol.OpWithdraw, CitizenID: sample.Profile(0).CitizenID, RecordID: stored.ID},
	}})
	if code != http.StatusOK || resp.Results[0].Status != protocol.IngestStored || resp.Results[1].Error == nil || resp.Results[1].Error.Code != protocol.ErrCodeWithdrawn {
		t.Errorf("withdraw twice in a batch: %d %+v", code, resp)
	}
	// good (1) + stored (1) + its withdrawal (1): nothing else was stored.
	if got := len(f.feed(t, 0)); got != before+3 {
		t.Errorf("feed grew by %d, want 3: refused operations must store nothing", got-before)
	}
}

// testIngestIdempotency: a batch sent again with its key is answered the
// same and stored once; an operation sent again is a duplicate.
func testIngestIdempotency(t *testing.T, f *Fixture) {
	agency := f.Agency()
	before := len(f.feed(t, 0))
	r := testRecord(0, "idem")
	r.Version = 1
	r.IssuedAt = time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	batch := protocol.IngestRequest{IdempotencyKey: "lgsp-2026-10-01-0001", Operations: []protocol.Operation{IssueOp(0, r), IssueOp(0, testRecord(0, "idem-2"))}}
	code, first, _ := f.Push(t, agency, nil, batch)
	if code != http.StatusOK || first.Stored != 2 || first.Replayed {
		t.Fatalf("first: %d %+v", code, first)
	}
	code, again, _ := f.Push(t, agency, nil, batch)
	if code != http.StatusOK || !again.Replayed || again.Stored != first.Stored {
		t.Fatalf("again: %d %+v", code, again)
	}
	for i := range first.Results {
		if first.Results[i] != again.Results[i] {
			t.Errorf("replayed result %d: %+v, first %+v", i, again.Results[i], first.Results[i])
		}
	}
	changed := batch
	changed.Operations = batch.Operations[:1]
	if code, _, perr := f.Push(t, agency, nil, changed); code != http.StatusConflict || perr.Code != protocol.ErrCodeConflict {
		t.Errorf("same key, other batch: %d %+v, want 409 conflict", code, perr)
	}
	// The first operation again without a key: a duplicate, stored once.
	code, dup, _ := f.Push(t, agency, nil, protocol.IngestRequest{Operations: batch.Operations[:1]})
	if code != http.StatusOK || dup.Results[0].Status != protocol.IngestDuplicate || dup.Results[0].Seq != first.Results[0].Seq {
		t.Errorf("the same operation again: %d %+v, want duplicate of seq %d", code, dup, first.Results[0].Seq)
	}
	// Version 1 again with other content: the record exists.
	other := r
	other.Claims = wallet.Claims{}
	for k, v := range sample.Record(checkup(), 2).Claims {
		other.Claims[k] = v
	}
	code, exists, _ := f.Push(t, agency, nil, protocol.IngestRequest{Operations: []protocol.Operation{IssueOp(0, other)}})
	if code != http.StatusOK || exists.Results[0].Error == nil || exists.Results[0].Error.Code != protocol.ErrCodeRecordExists {
		t.Errorf("issue of a stored record with other content: %d %+v, want record_exists", code, exists)
	}
	// A correction, sent twice (a duplicate), then its version with other
	// content (a conflict).
	fix := r
	fix.Version = 2
	fixOp := IssueOp(0, fix)
	fixOp.Op = protocol.OpCorrect
	for k, want := range []string{protocol.IngestStored, protocol.IngestDuplicate} {
		code, res, _ := f.Push(t, agency, nil, protocol.IngestRequest{Operations: []protocol.Operation{fixOp}})
		if code != http.StatusOK || res.Results[0].Status != want || res.Results[0].Version != 2 {
			t.Errorf("correction, send %d: %d %+v, want %s", k+1, code, res, want)
		}
	}
	other.Version = 2
	otherFix := IssueOp(0, other)
	otherFix.Op = protocol.OpCorrect
	code, conflict, _ := f.Push(t, agency, nil, protocol.IngestRequest{Operations: []protocol.Operation{otherFix}})
	if code != http.StatusOK || conflict.Results[0].Error == nil || conflict.Results[0].Error.Code != protocol.ErrCodeConflict {
		t.Errorf("a stored correction's version with other content: %d %+v, want conflict", code, conflict)
	}
	if got := len(f.feed(t, 0)); got != before+3 {
		t.Errorf("feed grew by %d, want 3", got-before)
	}
}
