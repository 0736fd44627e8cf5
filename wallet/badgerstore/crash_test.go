package badgerstore_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// crashRecord is the n-th record the crash child writes.
func crashRecord(n int) wallet.Record {
	types := wallet.Types()
	return sample.Record(types[n%len(types)], n/len(types))
}

// TestCrashChild is the child process of TestCrashSafety; it does nothing
// in a normal test run. It prints "start", creates or opens the profile in
// CW_CRASH_DIR, prints "open" and writes records from CW_CRASH_START on,
// alone and in batches, printing "ok FROM TO" after each write returned,
// until it is killed: it never stops by itself (a parent that stops
// reading blocks it on the pipe; one that dies ends it with SIGPIPE).
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("CW_CRASH_DIR")
	if dir == "" {
		t.Skip("only run as the child of TestCrashSafety")
	}
	start, _ := strconv.Atoi(os.Getenv("CW_CRASH_START"))
	fmt.Println("start")
	o := badgerstore.Options{KDF: kdf.Test()}
	var s *badgerstore.Store
	var err error
	if badgerstore.Exists(dir) {
		s, err = badgerstore.Open(dir, []byte(pin), o)
	} else {
		s, err = badgerstore.Create(dir, []byte(pin), sample.Profile(1), o)
	}
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	fmt.Println("open")
	ctx := context.Background()
	for n := start; ; {
		if n%3 == 0 { // a sync-like page: 5 records and the cursor, atomically
			var page []wallet.Record
			for k := 0; k < 5; k++ {
				page = append(page, crashRecord(n+k))
			}
			err = s.Apply(ctx, wallet.Batch{Records: page, Meta: map[string][]byte{"cursor": []byte(strconv.Itoa(n + 4))}})
			if err == nil {
				fmt.Printf("ok %d %d\n", n, n+4)
			}
			n += 5
		} else {
			err = s.Put(ctx, crashRecord(n))
			if err == nil {
				fmt.Printf("ok %d %d\n", n, n)
			}
			n++
		}
		if err != nil {
			fmt.Println("error", err)
			os.Exit(3)
		}
	}
}

// TestCrashSafety kills a child process that writes records with SIGKILL
// at random points, 50 times over the same profile: the store opens every
// time, and every record whose write returned is there, exactly as
// written; no record is doubled.
//
// The kill follows the child's progress, not the clock, so it lands where
// it is meant to however busy the machine: most runs wait for the child's
// first acknowledged write, then for a random number of further ones and
// a random fraction of a write, and kill it mid-stream; the first five
// runs and every tenth one kill it at a random moment after it started,
// most likely inside Create or Open (with the database growing, Open
// replays and verifies more).
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	dir := t.TempDir() + "/profile"
	rng := rand.New(rand.NewPCG(1, 2))
	acked := map[int]bool{}
	const runs = 50
	writingRuns, killedWriting, killedOpening := 0, 0, 0
	for run := 0; run < runs; run++ {
		early := run < 5 || run%10 == 5
		// Kill after the first acknowledged write and this many more; an
		// early run, once the child has started.
		further := rng.IntN(25)
		// And then within a write (or, early, within Create or Open).
		pause := time.Duration(rng.IntN(1500)) * time.Microsecond
		if early {
			pause = time.Duration(rng.IntN(40_000)) * time.Microsecond
		} else {
			writingRuns++
		}
		got := killChild(t, run, "TestCrashChild", []string{"CW_CRASH_DIR=" + dir, "CW_CRASH_START=" + strconv.Itoa(run*1_000_000)},
			func(line string, acks int) bool {
				if early {
					return line == "start"
				}
				return acks == 1+further
			}, pause)
		writes := 0
		opened := false
		now := map[int]bool{}
		for _, l := range got {
			if strings.HasPrefix(l, "error") {
				t.Fatalf("run %d: child failed: %s", run, l)
			}
			opened = opened || l == "open"
			var from, to int
			if _, err := fmt.Sscanf(l, "ok %d %d", &from, &to); err == nil {
				writes++
				for n := from; n <= to; n++ {
					acked[n] = true
					now[n] = true
				}
			}
		}
		switch {
		case writes > 0:
			if !early {
				killedWriting++
			}
		case !opened:
			killedOpening++
		}
		// This run's writes, and a sample of the earlier ones.
		for n := range acked {
			if len(now) >= len(acked)/10+200 {
				break
			}
			now[n] = true
		}
		verifyCrash(t, run, dir, now, len(acked))
	}
	verifyCrash(t, runs, dir, acked, len(acked))
	t.Logf("%d runs: %d killed while writing (of %d meant to be), %d before Create or Open returned, %d records acknowledged",
		runs, killedWriting, writingRuns, killedOpening, len(acked))
	if killedWriting != writingRuns {
		t.Errorf("only %d of %d runs were killed while writing", killedWriting, writingRuns)
	}
}

// killChild runs the test function child of this test binary with env
// added, feeds killAt every line it prints with the count of "ok" lines
// so far, and once killAt says so waits pause and kills it with SIGKILL
// (os.Process.Kill). It returns every line the child printed, also those
// after the kill was decided. A child that ends before it is killed fails
// the test: the kill is the point.
func killChild(t *testing.T, run int, child string, env []string, killAt func(line string, acks int) bool, pause time.Duration) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+child+"$", "-test.count=1")
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
	// The reader never stops reading, so the child is not held up by
	// this side while the kill is pending.
	var lines []string
	due, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		acks, fired := 0, false
		for sc.Scan() {
			l := sc.Text()
			lines = append(lines, l)
			if strings.HasPrefix(l, "ok ") {
				acks++
			}
			if !fired && (killAt(l, acks) || strings.HasPrefix(l, "error")) {
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
	case <-done:
	}
	<-done
	err = cmd.Wait()
	if !killed && !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "error") }) {
		t.Fatalf("run %d: the child ended (%v) before it was due to be killed; output %q; stderr:\n%s", run, err, lines, stderr.String())
	}
	return lines
}

func verifyCrash(t *testing.T, run int, dir string, acked map[int]bool, total int) {
	t.Helper()
	if !badgerstore.Exists(dir) {
		if len(acked) > 0 {
			t.Fatalf("run %d: profile gone after %d acknowledged writes", run, len(acked))
		}
		return // killed inside the first Create: no profile, as designed
	}
	s, err := badgerstore.Open(dir, []byte(pin), badgerstore.Options{KDF: kdf.Test()})
	if err != nil {
		t.Fatalf("run %d: the store does not open after a kill: %v", run, err)
	}
	defer s.Close()
	ctx := context.Background()
	for n := range acked {
		want := crashRecord(n)
		got, err := s.Record(ctx, want.ID)
		if err != nil {
			t.Fatalf("run %d: acknowledged record %d (%s) lost: %v", run, n, want.ID, err)
		}
		got.ReceivedAt = time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("run %d: record %d differs after the kill", run, n)
		}
	}
	all, err := s.Records(ctx, wallet.Query{})
	if err != nil {
		t.Fatalf("run %d: Records: %v", run, err)
	}
	seen := map[string]bool{}
	for _, r := range all {
		if seen[r.ID] {
			t.Fatalf("run %d: record %s doubled", run, r.ID)
		}
		seen[r.ID] = true
	}
	if len(all) < total {
		t.Fatalf("run %d: %d records, %d acknowledged", run, len(all), total)
	}
}

// TestOpenAfterKillDuringMemtableCreate: a process killed between
// creating badger's next memtable file and sizing it leaves an empty
// .mem file (seen once in sync/client's TestSyncKilled). The store still
// opens, with its records.
func TestOpenAfterKillDuringMemtableCreate(t *testing.T) {
	dir := t.TempDir()
	s, err := badgerstore.Create(dir, []byte(pin), sample.Profile(1), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	want := crashRecord(0)
	if err := s.Put(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.WriteFile(filepath.Join(dir, "db", "00099.mem"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = badgerstore.Open(dir, []byte(pin), testOptions)
	if err != nil {
		t.Fatalf("open with an empty memtable file: %v", err)
	}
	defer s.Close()
	got, err := s.Record(context.Background(), want.ID)
	if err != nil || !reflect.DeepEqual(got.Claims, want.Claims) {
		t.Fatalf("after reopen: %v, %+v", err, got)
	}
}
