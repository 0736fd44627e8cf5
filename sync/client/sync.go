package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Meta keys the client keeps in the profile's store (sealed like
// records).
const (
	MetaDeviceKey = "sync/device-key" // the device's private JWK
	MetaDeviceID  = "sync/device-id"
	MetaTrustList = "sync/trust-list" // the last verified signed trust list
	MetaCursor    = "sync/cursor"     // change-feed cursor, stored with each page
	MetaLastSync  = "sync/last-sync"  // RFC 3339 time of the last complete sync
	MetaWarehouse = "sync/warehouse"  // JSON {"base_url", "root_key"}: where the profile is enrolled
)

// storedWarehouse is the value of MetaWarehouse.
type storedWarehouse struct {
	BaseURL string          `json:"base_url"`
	RootKey json.RawMessage `json:"root_key"` // public JWK
}

// Warehouse returns the warehouse the profile was enrolled with: its base
// URL and root key, as the Config of a Client that syncs the profile
// needs them. ErrNotEnrolled if the profile has none.
func Warehouse(ctx context.Context, st wallet.Store) (baseURL string, root *keys.PublicKey, err error) {
	b, err := st.Meta(ctx, MetaWarehouse)
	if errors.Is(err, wallet.ErrNotFound) {
		return "", nil, ErrNotEnrolled
	}
	if err != nil {
		return "", nil, err
	}
	var w storedWarehouse
	if err := json.Unmarshal(b, &w); err != nil {
		return "", nil, fmt.Errorf("stored warehouse: %w", err)
	}
	root, err = keys.ParsePublicJWK(w.RootKey)
	if err != nil {
		return "", nil, fmt.Errorf("stored warehouse root key: %w", err)
	}
	return w.BaseURL, root, nil
}

// ErrNotEnrolled: the profile has no device key yet; call Enrol.
var ErrNotEnrolled = errors.New("this profile's device is not enrolled with the warehouse")

// Enrol makes a device key for the profile, binds it to the citizen with
// the enrolment code, verifies the trust list the warehouse returns, and
// stores key, device id, trust list and the warehouse (base URL and root
// key, see Warehouse) in the profile, atomically.
func (c *Client) Enrol(ctx context.Context, st wallet.Store, code, label string) (protocol.EnrolResponse, error) {
	p, err := st.Profile(ctx)
	if err != nil {
		return protocol.EnrolResponse{}, fmt.Errorf("enrol: %w", err)
	}
	dev, err := keys.Generate(keys.ES256)
	if err != nil {
		return protocol.EnrolResponse{}, fmt.Errorf("enrol: %w", err)
	}
	pubJSON, _ := dev.Public().MarshalJSON()
	var jwk map[string]any
	if err := decodeJSON(pubJSON, &jwk); err != nil {
		return protocol.EnrolResponse{}, err
	}
	var resp protocol.EnrolResponse
	req := protocol.EnrolRequest{Code: code, CitizenID: p.CitizenID, DeviceKey: jwk, Label: label}
	if _, err := c.call(ctx, http.MethodPost, protocol.PathEnrol, nil, req, nil, &resp); err != nil {
		return resp, fmt.Errorf("enrol: %w", err)
	}
	if resp.DeviceID != dev.KID() || resp.CitizenID != p.CitizenID {
		return resp, fmt.Errorf("enrol: %w: enrolled device %s for %s, asked %s for %s", ErrBadResponse, resp.DeviceID, resp.CitizenID, dev.KID(), p.CitizenID)
	}
	if _, err := trust.Verify(resp.TrustList, c.cfg.RootKey); err != nil {
		return resp, fmt.Errorf("enrol: trust list: %w", err)
	}
	priv, err := dev.MarshalJSON()
	if err != nil {
		return resp, err
	}
	root, err := c.cfg.RootKey.MarshalJSON()
	if err != nil {
		return resp, err
	}
	where, err := json.Marshal(storedWarehouse{BaseURL: c.base.String(), RootKey: root})
	if err != nil {
		return resp, err
	}
	err = st.Apply(ctx, wallet.Batch{Meta: map[string][]byte{
		MetaWarehouse: where,
		MetaDeviceKey: priv,
		MetaDeviceID:  []byte(resp.DeviceID),
		MetaTrustList: []byte(resp.TrustList),
		MetaCursor:    nil, // a new device starts the feed from the beginning
	}})
	if err != nil {
		return resp, fmt.Errorf("enrol: store the device key: %w", err)
	}
	return resp, nil
}

// DeviceKey loads the profile's device key.
func DeviceKey(ctx context.Context, st wallet.Store) (*keys.PrivateKey, error) {
	b, err := st.Meta(ctx, MetaDeviceKey)
	if errors.Is(err, wallet.ErrNotFound) {
		return nil, ErrNotEnrolled
	}
	if err != nil {
		return nil, err
	}
	return keys.ParsePrivateJWK(b)
}

// cachedTrustList returns the stored trust list, nil if there is none.
func (c *Client) cachedTrustList(ctx context.Context, st wallet.Store) (*trust.List, error) {
	b, err := st.Meta(ctx, MetaTrustList)
	if errors.Is(err, wallet.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	l, err := trust.Verify(string(b), c.cfg.RootKey)
	if err != nil {
		return nil, fmt.Errorf("cached trust list: %w", err)
	}
	return l, nil
}

// TrustList returns the trust list to verify records with: a fresh one
// from the warehouse when it is reachable (verified against the root key
// and refused if it is older than the cached one), else the cached one.
// fresh says which.
func (c *Client) TrustList(ctx context.Context, st wallet.Store) (l *trust.List, fresh bool, err error) {
	held, err := c.cachedTrustList(ctx, st)
	if err != nil {
		return nil, false, err
	}
	var resp protocol.TrustListResponse
	_, err = c.call(ctx, http.MethodGet, protocol.PathTrustList, nil, nil, nil, &resp)
	if err != nil {
		if held != nil && errors.Is(err, ErrOffline) {
			return held, false, nil // offline: the cached list still verifies
		}
		return nil, false, fmt.Errorf("trust list: %w", err)
	}
	next, err := trust.Verify(resp.TrustList, c.cfg.RootKey)
	if err != nil {
		return nil, false, fmt.Errorf("trust list: %w", err)
	}
	if held != nil {
		if err := trust.CheckSuccessor(held, next); err != nil {
			return nil, false, fmt.Errorf("trust list: %w", err)
		}
		if next.Version == held.Version && !next.IssuedAt.After(held.IssuedAt) {
			return held, true, nil
		}
	}
	if err := st.Apply(ctx, wallet.Batch{Meta: map[string][]byte{MetaTrustList: []byte(resp.TrustList)}}); err != nil {
		return nil, false, err
	}
	return next, true, nil
}

// Rejected is a record version sync refused to store.
type Rejected struct {
	Seq      int64
	RecordID string
	Version  int
	Err      error // wraps a credential sentinel (ErrForged, ErrUnknownIssuer ...)
}

// Result sums up a sync. Records, New, Updated, Withdrawn and Unchanged
// count the citizen's records (distinct record IDs) as wallet.SyncProgress
// defines them; Stored and Rejected count feed entries (record versions).
// On an error they say what was stored before it.
type Result struct {
	Records   int // the citizen's records received and stored (distinct IDs)
	New       int // of Records: not held before this sync
	Updated   int // of Records: held before, now corrected (newer version)
	Withdrawn int // of Records: withdrawn now, not before this sync
	Unchanged int // of Records: versions the wallet already held
	// Held is how many records the wallet holds after the sync (latest
	// versions, withdrawn ones included, as the wallet lists them); -1 if
	// the sync ended with an error before it was counted.
	Held int

	Stored    int        // feed entries (record versions) stored
	Pages     int        // pages fetched
	Bytes     int64      // response bytes read (after gzip)
	Rejected  []Rejected // entries that failed verification: not stored
	Cursor    string     // the cursor after the last stored page
	TrustList bool       // whether a fresh trust list was fetched
	// PageSizes are the page sizes asked for, in order, retries included
	// (the adapted sizes; see Config.PageSize).
	PageSizes []int
	// Renewal is what the renewal of due credentials did after the feed
	// (see reissue.go); zero when none was due.
	Renewal RenewResult
}

// seenRecord is one record received by a sync: the latest version the
// wallet held before the sync (zero Version: none) and the latest it
// holds now.
type seenRecord struct{ before, now wallet.Record }

// class is where the record falls in the Result's split of Records.
func (r seenRecord) class() int {
	switch {
	case r.now.Status == wallet.StatusWithdrawn && (r.before.Version == 0 || r.before.Status != wallet.StatusWithdrawn):
		return classWithdrawn
	case r.before.Version == 0:
		return classNew
	case r.now.Version > r.before.Version:
		return classUpdated
	}
	return classUnchanged
}

const (
	classNew = iota
	classUpdated
	classWithdrawn
	classUnchanged
	nClasses
)

// tally counts a sync's received records by class. A page's records are
// staged while it is verified and committed once it is stored.
type tally struct {
	seen   map[string]seenRecord // committed
	staged map[string]seenRecord // the page being stored
	counts [nClasses]int         // of seen
}

func newTally() *tally {
	return &tally{seen: map[string]seenRecord{}, staged: map[string]seenRecord{}}
}

// stage notes that rec (verified, about to be stored) arrived; before
// looks up what the wallet holds, for a record first seen.
func (t *tally) stage(rec wallet.Record, before func(id string) (wallet.Record, error)) error {
	r, ok := t.staged[rec.ID]
	if !ok {
		r, ok = t.seen[rec.ID]
	}
	if !ok {
		b, err := before(rec.ID)
		if err != nil && !errors.Is(err, wallet.ErrNotFound) {
			return err
		}
		r.before = b
	}
	if rec.Version >= r.now.Version {
		r.now = rec
	}
	t.staged[rec.ID] = r
	return nil
}

// commit counts the staged records: their page is stored.
func (t *tally) commit() {
	for id, r := range t.staged {
		if old, ok := t.seen[id]; ok {
			t.counts[old.class()]--
		}
		t.seen[id] = r
		t.counts[r.class()]++
	}
	clear(t.staged)
}

func (t *tally) fill(p *wallet.SyncProgress) {
	p.Records = len(t.seen)
	p.New, p.Updated, p.Withdrawn, p.Unchanged = t.counts[classNew], t.counts[classUpdated], t.counts[classWithdrawn], t.counts[classUnchanged]
}

// Sync pulls the change feed from the stored cursor to the end, then
// renews the held credentials that are due (RenewCredentials). Every
// record is verified (credential.Verify: issuer in the trust list with a
// key valid at issue time, signature, cnf = this device, citizen = this
// profile) before it is stored; a record that fails is reported in
// Result.Rejected, not stored, and sync goes on. Each page is stored with
// its cursor in one transaction, so an interrupted sync resumes after the
// last stored page and a page fetched twice doubles nothing. Pages are
// sized by the link (Config.PageSize). progress (may be nil) hears after
// every stored page.
func (c *Client) Sync(ctx context.Context, st wallet.Store, progress wallet.Progress) (Result, error) {
	res := Result{Held: -1}
	p, err := st.Profile(ctx)
	if err != nil {
		return res, fmt.Errorf("sync: %w", err)
	}
	dev, err := DeviceKey(ctx, st)
	if err != nil {
		return res, fmt.Errorf("sync: %w", err)
	}
	// The cached trust list is used until its next-update time, so a sync
	// with nothing new is one round trip; a stale one is refreshed.
	list, err := c.cachedTrustList(ctx, st)
	if err != nil {
		return res, fmt.Errorf("sync: %w", err)
	}
	if list == nil || list.Stale(c.cfg.Now()) {
		var fresh bool
		if list, fresh, err = c.TrustList(ctx, st); err != nil {
			return res, fmt.Errorf("sync: %w", err)
		}
		res.TrustList = fresh
	}
	cursor := ""
	if b, err := st.Meta(ctx, MetaCursor); err == nil {
		cursor = string(b)
	} else if !errors.Is(err, wallet.ErrNotFound) {
		return res, fmt.Errorf("sync: %w", err)
	}
	res.Cursor = cursor
	var prog wallet.SyncProgress
	pages := c.newPager()
	t := newTally()
	before := func(id string) (wallet.Record, error) { return st.Record(ctx, id) }
	done := func(res Result) Result {
		res.Records = prog.Records
		res.New, res.Updated, res.Withdrawn, res.Unchanged = prog.New, prog.Updated, prog.Withdrawn, prog.Unchanged
		return res
	}
	for {
		var page protocol.ChangesResponse
		a, err := c.callEach(ctx, http.MethodGet, protocol.PathChanges, func(prev error) url.Values {
			if prev != nil {
				pages.failed(prev)
			}
			res.PageSizes = append(res.PageSizes, pages.size)
			return pageQuery(pages.size, cursor)
		}, nil, dev, &page)
		if err != nil {
			return done(res), fmt.Errorf("sync: %w", err)
		}
		res.Pages++
		res.Bytes += a.bytes
		if a.trustVersion > list.Version {
			// The warehouse signs a newer list (a rotated or compromised
			// key): verify this page, and judge held credentials, by it.
			var fresh bool
			if list, fresh, err = c.TrustList(ctx, st); err != nil {
				return done(res), fmt.Errorf("sync: %w", err)
			}
			res.TrustList = res.TrustList || fresh
		}
		if page.NextCursor == "" || (len(page.Changes) == 0 && page.More) {
			return done(res), fmt.Errorf("sync: %w: page without progress", ErrBadResponse)
		}
		pages.arrived(len(page.Changes), a.elapsed)
		now := c.cfg.Now()
		batch := wallet.Batch{Meta: map[string][]byte{MetaCursor: []byte(page.NextCursor)}}
		var pageBytes int64
		clear(t.staged)
		for _, ch := range page.Changes {
			cred, err := ch.SDJWT()
			pageBytes += int64(len(cred))
			var rec wallet.Record
			if err == nil {
				rec, err = credential.Verify(cred, credential.VerifyOptions{
					Trust: list, Holder: dev.Public(), CitizenID: p.CitizenID, Now: now,
				})
			}
			if err == nil && (rec.ID != ch.RecordID || rec.Version != ch.Version) {
				err = fmt.Errorf("%w: feed entry names %s v%d, credential holds %s v%d", ErrBadResponse, ch.RecordID, ch.Version, rec.ID, rec.Version)
			}
			if err != nil {
				res.Rejected = append(res.Rejected, Rejected{Seq: ch.Seq, RecordID: ch.RecordID, Version: ch.Version, Err: err})
				prog.Rejected++
				continue
			}
			rec.ReceivedAt = now.UTC()
			if err := t.stage(rec, before); err != nil {
				return done(res), fmt.Errorf("sync: %w", err)
			}
			batch.Records = append(batch.Records, rec)
		}
		if !page.More {
			batch.Meta[MetaLastSync] = []byte(now.UTC().Format(time.RFC3339))
		}
		if err := st.Apply(ctx, batch); err != nil {
			return done(res), fmt.Errorf("sync: store page: %w", err)
		}
		t.commit() // counted only once stored
		cursor = page.NextCursor
		res.Cursor = cursor
		res.Stored += len(batch.Records)
		t.fill(&prog)
		prog.Pages++
		prog.EntriesDone += len(page.Changes)
		prog.EntriesTotal = prog.EntriesDone + page.Remaining
		prog.BytesDone += pageBytes
		prog.BytesTotal = prog.BytesDone + page.RemainingBytes
		if progress != nil {
			progress.SyncProgress(prog)
		}
		if !page.More {
			res = done(res)
			// Renew the held credentials that are due (near their exp, or
			// signed by a compromised key); nothing is asked when none is.
			ren, err := c.renew(ctx, st, p.CitizenID, dev, list)
			res.Renewal = ren
			if err != nil {
				return res, fmt.Errorf("sync: %w", err)
			}
			if counts, err := st.Counts(ctx); err == nil {
				res.Held = 0
				for _, n := range counts {
					res.Held += n
				}
			}
			return res, nil
		}
	}
}

// LastSync returns when the profile last synced to the end of its feed
// (zero if never).
func LastSync(ctx context.Context, st wallet.Store) (time.Time, error) {
	b, err := st.Meta(ctx, MetaLastSync)
	if errors.Is(err, wallet.ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339, string(b))
}

// pageQuery asks for a page of size entries after cursor ("" from the
// start), for the change feed and the access log alike.
func pageQuery(size int, cursor string) url.Values {
	q := url.Values{"limit": {strconv.Itoa(size)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return q
}
