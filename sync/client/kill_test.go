package client_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
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
	c, err := client.New(client.Config{BaseURL: os.Getenv("CW_SYNC_URL"), RootKey: root, PageSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("open")
	_, err = c.Sync(ctx, st, wallet.ProgressFunc(func(p wallet.SyncProgress) { fmt.Println("page", p.RecordsDone) }))
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
func TestSyncKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	const extra = 200
	srv, err := warehouse.Open(warehouse.Config{Source: warehousetest.Source{N: 2, Extra: extra}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
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
		cmd := exec.Command(os.Args[0], "-test.run=^TestSyncChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "CW_SYNC_DIR="+dir, "CW_SYNC_URL="+ts.URL, "CW_SYNC_ROOT="+string(rootJWK))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		timer := time.AfterFunc(time.Duration(40+rng.IntN(260))*time.Millisecond, func() { cmd.Process.Kill() })
		sc := bufio.NewScanner(out)
		var lines []string
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		timer.Stop()
		cmd.Wait()
		for _, l := range lines {
			if strings.HasPrefix(l, "error") {
				t.Fatalf("run %d: child: %s", run, l)
			}
		}
		if len(lines) > 0 && lines[len(lines)-1] == "done" {
			completed++
		} else if len(lines) > 1 {
			killedMidway++
		}
		checkConsistent(t, run, dir, feed)
		if len(lines) > 0 && lines[len(lines)-1] == "done" {
			// The whole feed is stored: go on with a new profile, so
			// every run has something to interrupt.
			var st wallet.Store
			st, dir = newWallet(t, 0)
			enrol(t, srv, c, st, 0)
			st.Close()
		}
	}
	t.Logf("50 runs: %d killed mid-sync, %d completed before the kill", killedMidway, completed)
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
