package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/sync/warehouse/postgres/pgtest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

// childEnv makes the test binary run `warehouse ARGS…` instead of the
// tests: the process tests start real server processes this way.
const childEnv = "CW_WAREHOUSE_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		os.Exit(run(context.Background(), strings.Split(args, "\x1f"), os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// proc is a `warehouse serve` process.
type proc struct {
	cmd        *exec.Cmd
	api, admin string
	data       string // its -data directory
	done       chan struct{}
	out        *syncBuffer
}

// startProc runs `warehouse serve ARGS` in a child process on loopback
// ports the system chooses, and waits until it says it is ready.
func startProc(t testing.TB, args ...string) *proc {
	t.Helper()
	args = append([]string{"serve", "-addr", "127.0.0.1:0", "-admin", "127.0.0.1:0"}, args...)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(args, "\x1f"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{}), out: &syncBuffer{}}
	for i, a := range args {
		if a == "-data" && i+1 < len(args) {
			p.data = args[i+1]
		}
	}
	cmd.Stderr = p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.out, line)
			f := strings.Fields(line)
			switch {
			case len(f) >= 2 && f[0] == "protocol":
				p.api = f[1]
			case len(f) >= 2 && f[0] == "admin":
				p.admin = f[1]
				close(ready)
			}
		}
		cmd.Wait()
	}()
	select {
	case <-ready:
	case <-p.done:
		t.Fatalf("warehouse %v exited before it was ready:\n%s", args, p.out)
	}
	t.Cleanup(p.kill)
	return p
}

// kill stops the process with SIGKILL: no shutdown, no flush.
func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// adminPost calls the process's admin API as its operator.
func (p *proc) adminPost(t testing.TB, path string, out any) {
	t.Helper()
	p.adminDo(t, "POST", path, out)
}

// adminDo calls the process's admin API as its operator.
func (p *proc) adminDo(t testing.TB, method, path string, out any) {
	t.Helper()
	token, err := readToken(filepath.Join(p.data, OperatorTokenFile))
	if err != nil || token == "" {
		t.Fatalf("operator token of %s: %q %v", p.data, token, err)
	}
	req, _ := http.NewRequest(method, p.admin+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %s %s", method, path, resp.Status, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
}

func (p *proc) code(t testing.TB, citizen string) string {
	t.Helper()
	var c warehouse.CodeResponse
	p.adminPost(t, warehouse.AdminPathCitizens+"/"+citizen+"/enrolment-code", &c)
	return c.Code
}

// enrolDevice enrols a new device key for citizen at base with code.
func enrolDevice(t testing.TB, base, citizen, code string) (*keys.PrivateKey, int) {
	t.Helper()
	dev, _ := keys.Generate(keys.ES256)
	jwk, _ := dev.Public().MarshalJSON()
	var m map[string]any
	json.Unmarshal(jwk, &m)
	body, _ := json.Marshal(protocol.EnrolRequest{Code: code, CitizenID: citizen, DeviceKey: m})
	resp, err := http.Post(base+protocol.PathEnrol, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return dev, resp.StatusCode
}

func get(t testing.TB, base, auth, uri string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+uri, nil)
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// feedCounts reads a citizen's whole feed as a new device at base and
// counts each (record id, version).
func feedCounts(t *testing.T, p *proc, citizen string) map[string]int {
	t.Helper()
	dev, st := enrolDevice(t, p.api, citizen, p.code(t, citizen))
	if st != 200 {
		t.Fatalf("enrol: %d", st)
	}
	counts := map[string]int{}
	cursor := ""
	for {
		uri := protocol.PathChanges + "?limit=50&cursor=" + url.QueryEscape(cursor)
		auth, _ := protocol.SignRequest(dev, "GET", uri, nil, time.Now())
		st, b := get(t, p.api, auth, uri)
		if st != 200 {
			t.Fatalf("changes: %d %s", st, b)
		}
		var page protocol.ChangesResponse
		json.Unmarshal(b, &page)
		for _, c := range page.Changes {
			counts[fmt.Sprintf("%s@%d", c.RecordID, c.Version)]++
		}
		cursor = page.NextCursor
		if !page.More {
			return counts
		}
	}
}

// agencyPusher signs and sends batches as a demo agency.
type agencyPusher struct {
	id   string
	key  *keys.PrivateKey
	base string
}

func demoAgency(t testing.TB, keyDir, base string) *agencyPusher {
	t.Helper()
	id := "vn.dongnai.soyte"
	b, err := os.ReadFile(filepath.Join(keyDir, "client-"+id+".jwk"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.ParsePrivateJWK(b)
	if err != nil {
		t.Fatal(err)
	}
	return &agencyPusher{id: id, key: k, base: base}
}

// push sends one batch; it returns the status (0 if the connection
// broke) and the answer.
func (a *agencyPusher) push(req protocol.IngestRequest) (int, protocol.IngestResponse) {
	body, _ := json.Marshal(req)
	auth, _ := protocol.SignAgencyRequest(a.key, a.id, "POST", protocol.PathIngest, body, time.Now())
	hr, _ := http.NewRequest("POST", a.base+protocol.PathIngest, bytes.NewReader(body))
	hr.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return 0, protocol.IngestResponse{}
	}
	defer resp.Body.Close()
	var out protocol.IngestResponse
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// checkupOp is an issue of a new health checkup record for citizen.
func checkupOp(agency, citizen, id string) protocol.Operation {
	r := wallet.Record{ID: id, Type: "health.checkup", Issuer: agency, Version: 1, IssuedAt: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC),
		Claims: wallet.Claims{"facility": "Bệnh viện Đa khoa Đồng Nai", "visit_date": "2026-11-30", "diagnosis": "Khỏe mạnh"}}
	raw, _ := json.Marshal(r)
	return protocol.Operation{Op: protocol.OpIssue, CitizenID: citizen, Record: raw}
}

// newWallet is citizen's wallet enrolled at base.
func newWallet(t *testing.T, p *proc, base string, prof wallet.Profile) (*badgerstore.Store, *client.Client) {
	t.Helper()
	st, err := badgerstore.Create(filepath.Join(t.TempDir(), "w"), []byte("246810"), prof, badgerstore.Options{KDF: kdf.Test()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := newClient(t, p, base)
	if _, err := c.Enrol(context.Background(), st, p.code(t, prof.CitizenID), "phone"); err != nil {
		t.Fatal(err)
	}
	return st, c
}

// newClient is a sync client for base, trusting p's root key.
func newClient(t *testing.T, p *proc, base string) *client.Client {
	t.Helper()
	var root keys.PublicKey
	p.adminDo(t, "GET", warehouse.AdminPathRootKey, &root)
	c, err := client.New(client.Config{BaseURL: base, RootKey: &root, PageSize: 5, Attempts: 1, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// records counts the distinct record ids of feed counts.
func records(counts map[string]int) int {
	ids := map[string]bool{}
	for k := range counts {
		id, _, _ := strings.Cut(k, "@")
		ids[id] = true
	}
	return len(ids)
}

// roundRobin is a load balancer over several API processes: each request
// goes to the next one.
type roundRobin struct {
	next    atomic.Int64
	targets []string
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := rr.targets[int(rr.next.Add(1))%len(rr.targets)]
	out, _ := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), r.Body)
	out.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// TestTwoProcessesOnePostgres: two API processes on one database behave
// as one: a device request used on one is a replay on the other, an
// enrolment code used on one is spent on the other, and a wallet whose
// requests alternate between them (a load balancer) while an agency
// writes syncs every record exactly once.
func TestTwoProcessesOnePostgres(t *testing.T) {
	dsn := pgtest.Database(t)
	keyDir := filepath.Join(t.TempDir(), "keys")
	p1 := startProc(t, "-db", dsn, "-data", t.TempDir(), "-keys", keyDir, "-citizens", "20")
	p2 := startProc(t, "-db", dsn, "-data", t.TempDir(), "-keys", keyDir, "-citizens", "0")
	prov, _ := demo.New(20, 1)
	citizen := prov.Profile(3).CitizenID

	// One enrolment code: used on p2, spent on p1.
	code := p1.code(t, citizen)
	dev, st := enrolDevice(t, p2.api, citizen, code)
	if st != 200 {
		t.Fatalf("enrol on the second process: %d", st)
	}
	if _, st := enrolDevice(t, p1.api, citizen, code); st != http.StatusForbidden {
		t.Errorf("the same code on the first process: %d, want 403 (spent)", st)
	}
	// One device request: answered by p1, a replay on p2.
	uri := protocol.PathChanges + "?limit=5"
	auth, _ := protocol.SignRequest(dev, "GET", uri, nil, time.Now())
	if st, b := get(t, p1.api, auth, uri); st != 200 {
		t.Fatalf("changes on p1: %d %s", st, b)
	}
	if st, b := get(t, p2.api, auth, uri); st != http.StatusUnauthorized || !strings.Contains(string(b), protocol.ErrCodeReplay) {
		t.Errorf("the same request on p2: %d %s, want 401 replay", st, b)
	}

	// A wallet through a round-robin balancer while the agency writes.
	lb := httptest.NewServer(&roundRobin{targets: []string{p1.api, p2.api}})
	defer lb.Close()
	w, c := newWallet(t, p1, lb.URL, prov.Profile(4))
	ag := demoAgency(t, keyDir, lb.URL)
	ctx := context.Background()
	for round := 0; round < 4; round++ {
		var wg sync.WaitGroup
		syncErr := make(chan error, 1)
		go func() { _, err := c.Sync(ctx, w, nil); syncErr <- err }()
		for k := 0; k < 10; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				op := checkupOp(ag.id, prov.Profile(4).CitizenID, fmt.Sprintf("lb-%d-%d", round, k))
				if st, resp := ag.push(protocol.IngestRequest{Operations: []protocol.Operation{op}}); st != 200 || resp.Stored != 1 {
					t.Errorf("push through the balancer: %d %+v", st, resp)
				}
			}()
		}
		wg.Wait()
		if err := <-syncErr; err != nil {
			t.Fatalf("sync through the balancer: %v", err)
		}
	}
	if _, err := c.Sync(ctx, w, nil); err != nil {
		t.Fatal(err)
	}
	recs, _ := w.Records(ctx, wallet.Query{})
	counts := feedCounts(t, p2, prov.Profile(4).CitizenID)
	for k, n := range counts {
		if n != 1 {
			t.Errorf("feed holds %s %d times", k, n)
		}
	}
	if len(recs) != records(counts) || records(counts) < 40 {
		t.Errorf("the wallet holds %d records, the warehouse %d (with the 40 pushed)", len(recs), records(counts))
	}
}

// TestKillDuringIngestAndSync: `warehouse serve` is killed with SIGKILL
// while an agency pushes batches and a wallet syncs; after a restart every
// acknowledged operation is there exactly once, the batch that was in
// flight is either whole or absent (sent again with its key, it is
// applied once), and the wallet syncs to the warehouse's state.
func TestKillDuringIngestAndSync(t *testing.T) {
	for _, store := range []string{"embedded", "postgres"} {
		t.Run(store, func(t *testing.T) {
			data, keyDir := t.TempDir(), filepath.Join(t.TempDir(), "keys")
			args := []string{"-data", data, "-keys", keyDir, "-citizens", "10"}
			if store == "postgres" {
				args = append(args, "-db", pgtest.Database(t))
			}
			prov, _ := demo.New(10, 1)
			citizen := prov.Profile(2)
			for run := 0; run < 3; run++ {
				p := startProc(t, args...)
				ag := demoAgency(t, keyDir, p.api)
				w, c := newWallet(t, p, p.api, citizen)
				stopSync := make(chan struct{})
				var syncs sync.WaitGroup
				syncs.Add(1)
				go func() { // a wallet syncing all along; errors are expected once the server dies
					defer syncs.Done()
					for {
						select {
						case <-stopSync:
							return
						default:
						}
						c.Sync(context.Background(), w, nil)
					}
				}()
				// Three agency systems push batches one after another; the
				// server is killed when a random number of batches has been
				// acknowledged, so the others are at any stage of theirs.
				var mu sync.Mutex
				var acked []string
				var unacked []protocol.IngestRequest
				killAfter := 3 + rand.IntN(10)
				enough := make(chan struct{})
				var pushers sync.WaitGroup
				for w := 0; w < 3; w++ {
					pushers.Add(1)
					go func() {
						defer pushers.Done()
						for b := 0; ; b++ {
							req := protocol.IngestRequest{IdempotencyKey: fmt.Sprintf("run%d-pusher%d-batch%d", run, w, b)}
							for k := 0; k < 20; k++ {
								req.Operations = append(req.Operations, checkupOp(ag.id, citizen.CitizenID, fmt.Sprintf("kill-%d-%d-%d-%d", run, w, b, k)))
							}
							st, resp := ag.push(req)
							mu.Lock()
							if st != 200 {
								unacked = append(unacked, req) // the server died under it
								mu.Unlock()
								return
							}
							if resp.Stored != 20 {
								mu.Unlock()
								t.Errorf("batch: %d %+v", st, resp)
								return
							}
							for _, r := range resp.Results {
								acked = append(acked, r.RecordID)
							}
							if len(acked) == killAfter*20 {
								close(enough)
							}
							mu.Unlock()
						}
					}()
				}
				<-enough
				p.kill()
				pushers.Wait()
				close(stopSync)
				syncs.Wait()

				p = startProc(t, args...)
				ag.base = p.api
				counts := feedCounts(t, p, citizen.CitizenID)
				for _, id := range acked {
					if counts[id+"@1"] != 1 {
						t.Fatalf("run %d: acknowledged %s is in the feed %d times after the restart", run, id, counts[id+"@1"])
					}
				}
				stored := 0
				for _, req := range unacked {
					whole := 0
					for _, op := range req.Operations {
						var r wallet.Record
						json.Unmarshal(op.Record, &r)
						whole += counts[r.ID+"@1"]
					}
					if whole != 0 && whole != len(req.Operations) {
						t.Fatalf("run %d: a batch in flight at the kill is in the feed in part: %d of %d", run, whole, len(req.Operations))
					}
					// Sent again with its key: applied exactly once.
					st, resp := ag.push(req)
					if st != 200 || resp.Replayed != (whole > 0) || (whole == 0 && resp.Stored != len(req.Operations)) {
						t.Fatalf("run %d: a batch in flight sent again: %d %+v (it was stored before: %v)", run, st, resp, whole > 0)
					}
					if whole > 0 {
						stored++
					}
				}
				t.Logf("run %d: killed after %d acknowledged batches; %d in flight, of which %d had been stored", run, len(acked)/20, len(unacked), stored)
				counts = feedCounts(t, p, citizen.CitizenID)
				for k, n := range counts {
					if n != 1 {
						t.Fatalf("run %d: %s is in the feed %d times", run, k, n)
					}
				}
				c = newClient(t, p, p.api) // the restarted process listens elsewhere
				if _, err := c.Sync(context.Background(), w, nil); err != nil {
					t.Fatalf("run %d: sync after the restart: %v", run, err)
				}
				recs, _ := w.Records(context.Background(), wallet.Query{})
				if len(recs) != records(counts) {
					t.Errorf("run %d: the wallet holds %d records, the feed %d", run, len(recs), records(counts))
				}
				p.kill()
			}
		})
	}
}
