package client_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

// TestSyncChild is the child process of TestSyncKilled; it does nothing
// in a normal run. It syncs the profile in CW_SYNC_DIR from the warehouse
// at CW_SYNC_URL, printing each stored page's cursor, until killed.
func TestSyncChild(t *testing.T) {
	dir := os.Getenv("CW_SYNC_DIR")
	if dir == "" {
		t.Skip("only run as the child of TestSyncKilled")
	}
	root, err := keys.ParsePublicJWK([]byte(os.Getenv("CW_SYNC_ROOT")))
	if err != nil {
		t.Fatal(err)
	}
	st, err := badgerstore.Open(dir, []byte(pin), badgerstore.Options{KDF: kdf.Test()})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	c, err := client.New(client.Config{BaseURL: os.Getenv("CW_SYNC_URL"), RootKey: root, PageSize: 5, MaxPageSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("open")
	_, err = c.Sync(ctx, st, wallet.ProgressFunc(func(p wallet.SyncProgress) { fmt.Println("page", p.EntriesDone) }))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	fmt.Println("done")
	st.Close()
}

// TestSyncKilled kills a syncing child process with SIGKILL at random
// points, 50 times over one profile: the store opens every time, holds
// exactly the feed up to its stored cursor (no record lost, none
// doubled), and the next sync resumes from there.
//
// The kill follows the child's progress, not the clock, so a busy machine
// does not turn it into a kill before the sync began: the parent waits for
// the child's "open" and then for 0 to 3 stored pages, then a random
// fraction of a page (inside the next request, its checks or its write),
// and kills. A child that finishes the feed first completes the run; then
// the next run starts over with a new profile.
func TestSyncKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	const extra = 200
	srv := warehousetest.Open(t, warehouse.Config{}, warehousetest.Source{N: 2, Extra: extra})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	st, dir := newWallet(t, 0)
	c := newClient(t, ts.URL, srv.RootKey(), nil)
	enrol(t, srv, c, st, 0)
	st.Close()
	rootJWK, _ := srv.RootKey().MarshalJSON()
	_, feed := warehousetest.Source{N: 2, Extra: extra}.Citizen(0)
	rng := rand.New(rand.NewPCG(3, 4))
	completed, killedMidway := 0, 0
	for run := 0; run < 50; run++ {
		pages := rng.IntN(4) // stored pages to wait for; 0: just "open"
		killAt := func(line string, stored int) bool {
			if pages == 0 {
				return line == "open"
			}
			return stored == pages
		}
		pause := time.Duration(rng.IntN(3000)) * time.Microsecond
		env := []string{"CW_SYNC_DIR=" + dir, "CW_SYNC_URL=" + ts.URL, "CW_SYNC_ROOT=" + string(rootJWK)}
		lines := killSyncChild(t, run, env, killAt, pause)
		stored := 0
		for _, l := range lines {
			if strings.HasPrefix(l, "error") {
				t.Fatalf("run %d: child: %s", run, l)
			}
			if strings.HasPrefix(l, "page ") {
				stored++
			}
		}
		done := slices.Contains(lines, "done")
		switch {
		case done:
			completed++
		case stored > 0:
			killedMidway++
		}
		checkConsistent(t, run, dir, feed)
		if done {
			// The whole feed is stored: go on with a new profile, so
			// every run has something to interrupt.
			var st wallet.Store
			st, dir = newWallet(t, 0)
			enrol(t, srv, c, st, 0)
			st.Close()
		}
	}
	// About three runs in four are killed after a stored page, and only a
	// run near the end of the feed can complete first: the margin is wide.
	t.Logf("50 runs: %d killed mid-sync (after a stored page), %d completed before the kill", killedMidway, completed)
	if killedMidway < 20 {
		t.Errorf("only %d runs were killed mid-sync", killedMidway)
	}
	// Whatever happened, one more sync ends with the whole feed.
	st2, err := badgerstore.Open(dir, []byte(pin), badgerstore.Options{KDF: kdf.Test()})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if _, err := c.Sync(ctx, st2, nil); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st2); n != len(feed) {
		t.Errorf("%d records after the final sync; want %d", n, len(feed))
	}
}

// checkConsistent opens the profile and checks it holds exactly the feed's
// records with seq up to its cursor.
func checkConsistent(t *testing.T, run int, dir string, feed []wallet.Record) {
	t.Helper()
	st, err := badgerstore.Open(dir, []byte(pin), badgerstore.Options{KDF: kdf.Test()})
	if err != nil {
		t.Fatalf("run %d: the store does not open after the kill: %v", run, err)
	}
	defer st.Close()
	c := 0
	if s := cursor(t, st); s != "" {
		if c, err = strconv.Atoi(s); err != nil {
			t.Fatalf("run %d: cursor %q", run, s)
		}
	}
	all, err := st.Records(ctx, wallet.Query{})
	if err != nil {
		t.Fatalf("run %d: %v", run, err)
	}
	if len(all) != c {
		t.Fatalf("run %d: cursor %d but %d records stored", run, c, len(all))
	}
	for _, want := range feed[:c] {
		got, err := st.Record(ctx, want.ID)
		if err != nil || got.Version != want.Version {
			t.Fatalf("run %d: record %s below the cursor: %v", run, want.ID, err)
		}
	}
}

// killSyncChild runs TestSyncChild with env added, feeds killAt every line
// it prints with the number of stored pages so far, and once killAt says
// so waits pause and kills it with SIGKILL (os.Process.Kill). It returns
// every line the child printed. The reader never stops reading, so the
// child is not held up by this side while the kill is pending. A child
// may finish ("done") before it is killed; one that ends otherwise
// without an "error" line fails the test.
func killSyncChild(t *testing.T, run int, env []string, killAt func(line string, stored int) bool, pause time.Duration) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSyncChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	due, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		sc := bufio.NewScanner(out)
		stored, fired := 0, false
		for sc.Scan() {
			l := sc.Text()
			lines = append(lines, l)
			if strings.HasPrefix(l, "page ") {
				stored++
			}
			if !fired && killAt(l, stored) {
				fired = true
				close(due)
			}
		}
	}()
	killed := false
	select {
	case <-due:
		time.Sleep(pause)
		cmd.Process.Kill()
		killed = true
	case <-ended:
	}
	<-ended
	err = cmd.Wait()
	if !killed && !slices.ContainsFunc(lines, func(l string) bool { return l == "done" || strings.HasPrefix(l, "error") }) {
		t.Fatalf("run %d: the child ended (%v) before it was due to be killed; output %q; stderr:\n%s", run, err, lines, stderr.String())
	}
	return lines
}
