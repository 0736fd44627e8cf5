package consent

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ReplayFile is a persistent ReplayCache: an append-only file of
// "<id> <unix expiry>" lines, each fsynced before Use returns, so a token
// verified before a crash or restart stays used. Expired ids are dropped
// when the file is opened (it is rewritten then when that halves it).
type ReplayFile struct {
	mu   sync.Mutex
	f    *os.File
	seen map[string]int64
	now  func() time.Time
}

// OpenReplayFile opens or creates the cache at path.
func OpenReplayFile(path string, now func() time.Time) (*ReplayFile, error) {
	if now == nil {
		now = time.Now
	}
	r := &ReplayFile{seen: map[string]int64{}, now: now}
	lines := 0
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			lines++
			id, exp, ok := strings.Cut(sc.Text(), " ")
			n, err := strconv.ParseInt(exp, 10, 64)
			if !ok || err != nil || id == "" {
				continue // a line cut by a crash: it was never acknowledged
			}
			if n > now().Unix() {
				r.seen[id] = n
			}
		}
		err := sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("consent: replay cache %s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("consent: replay cache: %w", err)
	}
	if lines > 64 && len(r.seen)*2 < lines {
		if err := r.rewrite(path); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("consent: replay cache: %w", err)
	}
	r.f = f
	return r, nil
}

// rewrite replaces the file with the live ids (tmp, fsync, rename).
func (r *ReplayFile) rewrite(path string) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for id, exp := range r.seen {
		fmt.Fprintf(w, "%s %d\n", id, exp)
	}
	if err := errors.Join(w.Flush(), f.Sync(), f.Close()); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Use implements ReplayCache.
func (r *ReplayFile) Use(id string, until time.Time) (bool, error) {
	if strings.ContainsAny(id, " \n\r") || id == "" {
		return false, fmt.Errorf("consent: replay cache: bad id %q", id)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if exp, ok := r.seen[id]; ok && exp > r.now().Unix() {
		return false, nil
	}
	if _, err := fmt.Fprintf(r.f, "%s %d\n", id, until.Unix()); err != nil {
		return false, err
	}
	if err := r.f.Sync(); err != nil {
		return false, err
	}
	r.seen[id] = until.Unix()
	return true, nil
}

// Close closes the file.
func (r *ReplayFile) Close() error { return r.f.Close() }

// MemoryReplay is a ReplayCache kept in memory only: for tests and for
// tools that verify once and exit. A counter uses ReplayFile.
type MemoryReplay struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// Use implements ReplayCache.
func (m *MemoryReplay) Use(id string, until time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.seen[id]; ok {
		return false, nil
	}
	if m.seen == nil {
		m.seen = map[string]time.Time{}
	}
	m.seen[id] = until
	return true, nil
}
