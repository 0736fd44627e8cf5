package embedded_test

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/embedded"
	"github.com/vnwallet/citizenwallet/sync/warehouse/storetest"
	"github.com/vnwallet/citizenwallet/wallet"
)

// killWrites is batch b of the kill test: three records for the first
// citizen and two for the second, with ids that name the batch.
func killWrites(ids []string, b int) []warehouse.Write {
	var ws []warehouse.Write
	for k := range 5 {
		r := storetest.Record(b*5 + k)
		r.ID = fmt.Sprintf("kill-%d-%d", b, k)
		ws = append(ws, storetest.Write(ids[min(k/3, 1)], r))
	}
	return ws
}

// TestKillChild is the child process of TestKill9; it does nothing in a
// normal test run. It opens the store in CW_EMBEDDED_KILL_DIR and appends
// batches from CW_EMBEDDED_KILL_START on, printing "ok <batch>" after
// each Append returned, until it is killed.
func TestKillChild(t *testing.T) {
	dir := os.Getenv("CW_EMBEDDED_KILL_DIR")
	if dir == "" {
		t.Skip("only run as the child of TestKill9")
	}
	start, _ := strconv.Atoi(os.Getenv("CW_EMBEDDED_KILL_START"))
	s, err := embedded.Open(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	ids := storetest.Citizens(t, s, 0, 2)
	for b := start; ; b++ {
		res, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Key: fmt.Sprint("b", b), BatchDigest: []byte{1}, Writes: killWrites(ids, b)}, storetest.Check)
		if err == nil {
			for _, it := range res.Items {
				if it.Err != nil {
					err = it.Err
				}
			}
		}
		if err != nil {
			fmt.Println("error", err)
			os.Exit(3)
		}
		fmt.Println("ok", b)
	}
}

// TestKill9 kills (SIGKILL) a child process that appends batches, after
// a random number of acknowledged batches, several times over one store.
// After each kill the store opens, every acknowledged batch is in the
// feeds exactly once and whole, no batch is in them in part, and the
// seqs are dense; an acknowledged batch replays with its key.
func TestKill9(t *testing.T) {
	runs := 8
	if testing.Short() {
		runs = 3
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 9))
	acked := map[int]bool{}
	var ids []string
	for run := range runs {
		start := run * 1_000_000
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "CW_EMBEDDED_KILL_DIR="+dir, "CW_EMBEDDED_KILL_START="+strconv.Itoa(start))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill after the first acknowledged batch and a random number of
		// further ones: a point in the child's progress, never a time.
		further := rng.IntN(60)
		sc := bufio.NewScanner(out)
		oks, killed := 0, false
		var other []string
		for sc.Scan() {
			line := sc.Text()
			b, ok := strings.CutPrefix(line, "ok ")
			if !ok {
				other = append(other, line)
				continue
			}
			n, err := strconv.Atoi(b)
			if err != nil {
				t.Fatalf("child said %q", line)
			}
			acked[n] = true // printed after Append returned: acknowledged
			oks++
			if !killed && oks > further {
				cmd.Process.Kill()
				killed = true
			}
		}
		err = cmd.Wait()
		if !killed {
			t.Fatalf("run %d: the child ended before it was killed: %v\n%s\n%s", run, err, strings.Join(other, "\n"), stderr.String())
		}
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && !ws.Signaled() {
			t.Fatalf("run %d: child not killed by a signal: %v\n%s", run, err, strings.Join(other, "\n"))
		}

		s, err := embedded.Open(dir)
		if err != nil {
			t.Fatalf("run %d: open after kill -9: %v", run, err)
		}
		if ids == nil {
			ids = storetest.Citizens(t, s, 0, 2)
		}
		parts := map[int]int{} // batch -> items found
		for _, id := range ids {
			es, head := storetest.Feed(t, s, id)
			storetest.Dense(t, es, head)
			for _, e := range es {
				var b, k int
				if _, err := fmt.Sscanf(e.Record.ID, "kill-%d-%d", &b, &k); err != nil {
					t.Fatalf("record %q", e.Record.ID)
				}
				parts[b]++
			}
		}
		for b, n := range parts {
			if n != 5 {
				t.Fatalf("run %d: batch %d stored in part: %d of 5 items", run, b, n)
			}
		}
		for b := range acked {
			if parts[b] != 5 {
				t.Fatalf("run %d: acknowledged batch %d lost", run, b)
			}
		}
		// The last acknowledged batch of this run replays.
		last := start + oks - 1
		res, err := s.Append(ctx, warehouse.Batch{Agency: "vn.test", Key: fmt.Sprint("b", last), BatchDigest: []byte{1}, Writes: killWrites(ids, last)},
			func(*wallet.Record, *warehouse.Write) error { return fmt.Errorf("check called on a replay") })
		if err != nil || !res.Replayed {
			t.Fatalf("run %d: replay of batch %d: %v %v", run, last, res.Replayed, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("run %d: killed after %d acknowledged batches; %d batches stored in all", run, oks, len(parts))
	}
}
