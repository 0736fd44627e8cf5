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

// Result sums up a sync.
type Result struct {
	Stored    int        // record versions stored (new, corrected or withdrawn)
	Pages     int        // pages fetched
	Bytes     int64      // response bytes read (after gzip)
	Rejected  []Rejected // records that failed verification: not stored
	Cursor    string     // the cursor after the last stored page
	TrustList bool       // whether a fresh trust list was fetched
}

// Sync pulls the change feed from the stored cursor to the end. Every
// record is verified (credential.Verify: issuer in the trust list with a
// key valid at issue time, signature, cnf = this device, citizen = this
// profile) before it is stored; a record that fails is reported in
// Result.Rejected, not stored, and sync goes on. Each page is stored with
// its cursor in one transaction, so an interrupted sync resumes after the
// last stored page and a page fetched twice doubles nothing. progress (may
// be nil) hears after every page.
func (c *Client) Sync(ctx context.Context, st wallet.Store, progress wallet.Progress) (Result, error) {
	var res Result
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
	for {
		q := url.Values{"limit": {strconv.Itoa(c.cfg.PageSize)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page protocol.ChangesResponse
		n, err := c.call(ctx, http.MethodGet, protocol.PathChanges, q, nil, dev, &page)
		if err != nil {
			return res, fmt.Errorf("sync: %w", err)
		}
		res.Pages++
		res.Bytes += n
		if page.NextCursor == "" || (len(page.Changes) == 0 && page.More) {
			return res, fmt.Errorf("sync: %w: page without progress", ErrBadResponse)
		}
		now := c.cfg.Now()
		batch := wallet.Batch{Meta: map[string][]byte{MetaCursor: []byte(page.NextCursor)}}
		var pageBytes int64
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
			batch.Records = append(batch.Records, rec)
		}
		if !page.More {
			batch.Meta[MetaLastSync] = []byte(now.UTC().Format(time.RFC3339))
		}
		if err := st.Apply(ctx, batch); err != nil {
			return res, fmt.Errorf("sync: store page: %w", err)
		}
		cursor = page.NextCursor
		res.Cursor = cursor
		res.Stored += len(batch.Records)
		prog.RecordsDone += len(page.Changes)
		prog.RecordsTotal = prog.RecordsDone + page.Remaining
		prog.BytesDone += pageBytes
		prog.BytesTotal = prog.BytesDone + page.RemainingBytes
		if progress != nil {
			progress.SyncProgress(prog)
		}
		if !page.More {
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
