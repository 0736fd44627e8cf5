package badgerstore_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/crypto/vault"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

const wrongPIN = "111111"

// attemptOutcome names what one PIN attempt came to: "wrong" (tried, and
// so it must have been counted), "throttled" (refused untried), or
// "error …" for anything else, which fails the test.
func attemptOutcome(err error) string {
	var te *wallet.ThrottledError
	switch {
	case errors.As(err, &te):
		return "throttled"
	case errors.Is(err, wallet.ErrWrongPIN):
		return "wrong"
	case err == nil:
		return "error: a wrong PIN was accepted"
	default:
		return "error " + strings.ReplaceAll(err.Error(), "\n", " ")
	}
}

// attemptAll runs n attempts in parallel goroutines, all released at once
// when start is closed, and returns their outcomes.
func attemptAll(n int, start <-chan struct{}, attempt func() error) []string {
	out := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = attemptOutcome(attempt())
		})
	}
	wg.Wait()
	return out
}

// fixedClock is a throttle clock that does not move, so the delays the
// test expects cannot run out however slow the machine is.
func fixedClock(t time.Time) badgerstore.Options {
	return badgerstore.Options{KDF: kdf.Test(), Now: func() time.Time { return t }}
}

// TestPINAttemptsChild is the child process of TestParallelWrongPINs; it
// does nothing in a normal test run. It prints "ready", waits for a line
// on stdin, then makes CW_PIN_ATTEMPTS parallel Opens of the profile in
// CW_PIN_DIR with a wrong PIN at the instant CW_PIN_NOW and prints each
// outcome.
func TestPINAttemptsChild(t *testing.T) {
	dir := os.Getenv("CW_PIN_DIR")
	if dir == "" {
		t.Skip("only run as the child of TestParallelWrongPINs")
	}
	now, err := time.Parse(time.RFC3339Nano, os.Getenv("CW_PIN_NOW"))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	n, _ := strconv.Atoi(os.Getenv("CW_PIN_ATTEMPTS"))
	o := fixedClock(now)
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	start := make(chan struct{})
	close(start)
	for _, r := range attemptAll(n, start, func() error {
		s, err := badgerstore.Open(dir, []byte(wrongPIN), o)
		if err == nil {
			s.Close()
		}
		return err
	}) {
		fmt.Println(r)
	}
	fmt.Println("done")
}

// TestParallelWrongPINs makes 48 wrong-PIN attempts at once, from three
// child processes and from goroutines of this one (Opens, and ChangePIN on
// the store this process holds open, so the children also meet badger's
// directory lock). Every attempt that was tried is counted: the header's
// failure count equals the number of ErrWrongPIN answers, and since the
// attempts take their turn, exactly the free ones plus one are tried and
// every other is refused untried. The right PIN is then still throttled.
func TestParallelWrongPINs(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	o := fixedClock(now)
	dir, _ := newProfile(t, o)
	held := mustOpen(t, dir, pin, o)
	defer held.Close()

	const procs, perProc, opens, changes = 3, 10, 9, 9
	type child struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		lines  chan string
		stderr *bytes.Buffer
	}
	var children []*child
	for range procs {
		c := &child{lines: make(chan string, 64), stderr: new(bytes.Buffer)}
		c.cmd = exec.Command(os.Args[0], "-test.run=^TestPINAttemptsChild$", "-test.count=1")
		c.cmd.Env = append(os.Environ(), "CW_PIN_DIR="+dir, "CW_PIN_NOW="+now.Format(time.RFC3339Nano),
			"CW_PIN_ATTEMPTS="+strconv.Itoa(perProc))
		c.cmd.Stderr = c.stderr
		stdout, err := c.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if c.stdin, err = c.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				c.lines <- sc.Text()
			}
			close(c.lines)
		}()
		children = append(children, c)
		defer func() {
			c.cmd.Process.Kill()
			c.cmd.Wait()
		}()
	}
	// Release everything at once, once every child is ready.
	for i, c := range children {
		if l, ok := <-c.lines; !ok || l != "ready" {
			t.Fatalf("child %d: %q instead of ready; stderr:\n%s", i, l, c.stderr)
		}
	}
	start := make(chan struct{})
	var local []string
	var wg sync.WaitGroup
	wg.Go(func() {
		local = attemptAll(opens, start, func() error {
			s, err := badgerstore.Open(dir, []byte(wrongPIN), o)
			if err == nil {
				s.Close()
			}
			return err
		})
	})
	var changed []string
	wg.Go(func() {
		changed = attemptAll(changes, start, func() error {
			return held.ChangePIN(context.Background(), []byte(wrongPIN), []byte("135790"))
		})
	})
	for _, c := range children {
		io.WriteString(c.stdin, "go\n")
		c.stdin.Close()
	}
	close(start)
	wg.Wait()

	outcomes := map[string]int{}
	count := func(from string, rs []string) {
		for _, r := range rs {
			if strings.HasPrefix(r, "error") {
				t.Errorf("%s: %s", from, r)
				continue
			}
			outcomes[r]++
		}
	}
	count("Open in this process", local)
	count("ChangePIN", changed)
	for i, c := range children {
		var rs []string
		done := false
		for l := range c.lines {
			done = done || l == "done"
			if !done {
				rs = append(rs, l)
			} // after it only the test framework's own lines
		}
		if err := c.cmd.Wait(); err != nil || !done {
			t.Fatalf("child %d: %v; output %q; stderr:\n%s", i, err, rs, c.stderr)
		}
		if len(rs) != perProc {
			t.Errorf("child %d: %d outcomes, want %d", i, len(rs), perProc)
		}
		count(fmt.Sprintf("child %d", i), rs)
	}
	total := procs*perProc + opens + changes
	t.Logf("%d parallel wrong PINs: %d tried, %d refused by the throttle", total, outcomes["wrong"], outcomes["throttled"])
	if outcomes["wrong"]+outcomes["throttled"] != total {
		t.Fatalf("outcomes %v, want %d in all", outcomes, total)
	}
	b, err := os.ReadFile(filepath.Join(dir, "header"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := vault.ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := int(h.Throttle.Failures); got != outcomes["wrong"] {
		t.Errorf("%d attempts were tried but the header counts %d failures", outcomes["wrong"], got)
	}
	if want := vault.FreeFailures + 1; outcomes["wrong"] != want {
		t.Errorf("%d wrong PINs were tried before the first delay; want %d", outcomes["wrong"], want)
	}
	// The right PIN waits like any other attempt.
	held.Close()
	_, err = badgerstore.Open(dir, []byte(pin), o)
	var te *wallet.ThrottledError
	if !errors.As(err, &te) || te.Failures != outcomes["wrong"] || te.RetryAfter != vault.Delay(uint32(outcomes["wrong"])) {
		t.Fatalf("right PIN after %d failures: %v; want ThrottledError after %s", outcomes["wrong"], err, vault.Delay(uint32(outcomes["wrong"])))
	}
}
