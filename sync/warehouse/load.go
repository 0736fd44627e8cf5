package warehouse

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Dataset is a province's data to load into a warehouse once, as the
// agencies' systems would push it on the day the warehouse opens: the
// demo province (sync/warehouse/demo) and the tests' small one
// (sync/warehouse/warehousetest). The server keeps only what was loaded;
// nothing depends on a Dataset being deterministic.
type Dataset interface {
	// Province is the province id, e.g. "vn.dongnai".
	Province() string
	// Agencies lists every issuing agency; every record's Issuer is one.
	Agencies() []Agency
	// Citizens is how many citizens there are; indexes are 0..Citizens()-1.
	Citizens() int
	// Citizen returns citizen i and every version of every record issued
	// to them, in feed order (a record's versions in increasing order).
	Citizen(i int) (wallet.Profile, []wallet.Record)
}

// LoadOptions tunes Load.
type LoadOptions struct {
	// ClientKey gives the client key an agency's system signs its
	// ingestion requests with (nil: the agency cannot push until one is
	// registered).
	ClientKey func(agency string) (*keys.PublicKey, error)
	// Alg gives the algorithm of an agency's signing key (nil: ES256).
	Alg func(i int, agency string) keys.Alg
	// Chunk is how many citizens go to the store at once (default 500).
	Chunk int
	// Progress, when set, is told how many citizens are loaded so far.
	Progress func(done, total int)
}

// Load registers the dataset's agencies (and, for an OfficeLister, sets
// its offices if the store has no directory yet) and loads its citizens
// and records through the bulk path of ingestion: every record is checked as
// an agency's would be (registry, size, its issuer a registered agency),
// then stored with Store.Load. A load that stopped halfway is finished by
// running it again: loaded citizens are skipped.
func (s *Server) Load(ctx context.Context, d Dataset, o LoadOptions) error {
	if d.Province() != s.cfg.Province {
		return fmt.Errorf("load: the dataset is of %s, the warehouse of %s", d.Province(), s.cfg.Province)
	}
	if o.Chunk <= 0 {
		o.Chunk = 500
	}
	for i, a := range d.Agencies() {
		if _, ok := s.agency(ctx, a.ID); ok {
			continue
		}
		var client *keys.PublicKey
		if o.ClientKey != nil {
			k, err := o.ClientKey(a.ID)
			if err != nil {
				return fmt.Errorf("load: client key of %s: %w", a.ID, err)
			}
			client = k
		}
		alg := keys.ES256
		if o.Alg != nil {
			alg = o.Alg(i, a.ID)
		}
		if err := s.RegisterAgency(ctx, a, client, alg); err != nil {
			return fmt.Errorf("load: %w", err)
		}
	}
	if err := s.loadOffices(ctx, d); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	// Chunks are made (generated and checked) by workers on every CPU
	// while the store writes the ones made before.
	total := d.Citizens()
	type made struct {
		chunk []CitizenRecords
		err   error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	starts := make(chan int)
	go func() {
		defer close(starts)
		for start := 0; start < total; start += o.Chunk {
			select {
			case starts <- start:
			case <-ctx.Done():
				return
			}
		}
	}()
	out := make(chan made, runtime.GOMAXPROCS(0))
	var workers sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for start := range starts {
				m := made{}
				m.chunk, m.err = s.makeChunk(ctx, d, start, min(start+o.Chunk, total))
				select {
				case out <- m:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { workers.Wait(); close(out) }()
	done := 0
	for m := range out {
		if m.err != nil {
			return fmt.Errorf("load: %w", m.err)
		}
		if len(m.chunk) > 0 {
			n, err := s.st.Load(ctx, m.chunk)
			if err != nil {
				return fmt.Errorf("load: %w", err)
			}
			if err := s.audit(ctx, "system", "load", s.cfg.Province, map[string]any{
				"citizens": n, "first": m.chunk[0].Profile.CitizenID, "last": m.chunk[len(m.chunk)-1].Profile.CitizenID,
			}); err != nil {
				return fmt.Errorf("load: %w", err)
			}
		}
		done += o.Chunk
		if o.Progress != nil {
			o.Progress(min(done, total), total)
		}
	}
	return ctx.Err()
}

// makeChunk makes the writes of citizens start..end-1, or nothing when
// they are loaded already: the store writes a chunk in order, so a chunk
// whose first and last citizens have feeds is whole.
func (s *Server) makeChunk(ctx context.Context, d Dataset, start, end int) ([]CitizenRecords, error) {
	if s.loaded(ctx, d, start) && s.loaded(ctx, d, end-1) {
		return nil, nil
	}
	chunk := make([]CitizenRecords, 0, end-start)
	for i := start; i < end; i++ {
		p, recs := d.Citizen(i)
		c, err := s.loadWrites(ctx, p, recs)
		if err != nil {
			return nil, fmt.Errorf("citizen %d: %w", i, err)
		}
		chunk = append(chunk, c)
	}
	return chunk, nil
}

// loaded reports whether citizen i of d has a feed already.
func (s *Server) loaded(ctx context.Context, d Dataset, i int) bool {
	p, _ := d.Citizen(i)
	_, head, err := s.st.Citizen(ctx, p.CitizenID)
	return err == nil && head > 0
}

// loadWrites checks a citizen's records as ingestion does and makes their
// writes, each with the digest of the operation an agency would have sent.
func (s *Server) loadWrites(ctx context.Context, p wallet.Profile, recs []wallet.Record) (CitizenRecords, error) {
	if err := p.Validate(); err != nil {
		return CitizenRecords{}, err
	}
	c := CitizenRecords{Profile: p, Writes: make([]Write, 0, len(recs))}
	latest := map[string]wallet.Record{}
	for _, r := range recs {
		if _, ok := s.agency(ctx, r.Issuer); !ok {
			return c, fmt.Errorf("record %s: %w: issuer %q is not an agency of this province", r.ID, wallet.ErrInvalid, r.Issuer)
		}
		op := protocol.OpIssue
		if prev, ok := latest[r.ID]; ok {
			if r.Version <= prev.Version || prev.Status == wallet.StatusWithdrawn || prev.Type != r.Type {
				return c, fmt.Errorf("record %s: %w: version %d after version %d", r.ID, wallet.ErrStaleVersion, r.Version, prev.Version)
			}
			op = protocol.OpCorrect
		}
		if err := s.checkRecord(p.CitizenID, r); err != nil {
			return c, err
		}
		raw, _ := json.Marshal(r)
		c.Writes = append(c.Writes, Write{CitizenID: p.CitizenID, Record: r, Op: op, Digest: opDigest(r.Issuer, op, p.CitizenID, "", 0, raw)})
		latest[r.ID] = r
	}
	return c, nil
}
