package counter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/statuslist"
	"github.com/vnwallet/citizenwallet/crypto/trust"
)

// How a counter checks the status of what it is shown (IETF Token Status
// List, crypto/statuslist):
//
//   - every credential of an offline token names its entry in a list of
//     its agency (status.status_list {idx, uri}); the uri must lie under
//     that agency's status_lists prefix in the trust list (refused with
//     consent.ErrStatus otherwise, so a withdrawn card cannot point at
//     another agency's list to look valid);
//   - the entry is read from the counter's cache (StatusLists), offline.
//     INVALID is consent.ErrWithdrawn, SUSPENDED consent.ErrSuspended;
//   - a list the counter does not hold is fetched during Verify when the
//     network allows (bounded by Config.StatusFetchTimeout, retried at
//     most once a minute); if it still is not held, or is past its exp,
//     the credential is accepted on its signature and its
//     consent.CredentialStatus says the withdrawal check could not be
//     made (Checked false, Reason). The app shows that warning; a
//     counter that must not accept unchecked records refuses on it;
//   - every answer carries the age of the list it came from (Age): a
//     withdrawal signed after the list's iat is not known to the counter;
//   - Refresh fetches the lists held that are due (their ttl ran out)
//     and discovers each agency's lists: the warehouse publishes them at
//     <status_lists prefix><n>, n = 0, 1, ..., so a counter that never
//     saw a credential of a list still has it before it goes offline.

// DefaultStatusOnDemandTimeout bounds a fetch made during Verify.
const DefaultStatusOnDemandTimeout = 10 * time.Second

// maxListsPerAgency bounds the discovery of an agency's lists: 64 lists
// of 2^24 entries is a billion credentials.
const maxListsPerAgency = 64

// statusRetry is how long a list that could not be fetched during Verify
// is not asked for again.
const statusRetry = time.Minute

func (c *Counter) openStatus() error {
	st, err := OpenStatusLists(StatusListConfig{Dir: c.cfg.Dir, Keys: c.statusKey, Transport: c.cfg.StatusTransport, Now: c.cfg.Now})
	if err != nil {
		return fmt.Errorf("counter: %w", err)
	}
	c.status, c.statusTried = st, map[string]time.Time{}
	return nil
}

// statusKey is the trust decision for a list: a key of the agency whose
// status_lists prefix covers uri, valid at the list's iat, not
// compromised (trust.List.StatusListKey), in the trust list held now.
func (c *Counter) statusKey(uri, kid string, iat time.Time) (*keys.PublicKey, error) {
	c.mu.Lock()
	tl := c.list
	c.mu.Unlock()
	if tl == nil {
		return nil, ErrNoTrustList
	}
	return tl.StatusListKey(uri, kid, iat)
}

// StatusLists is the counter's status-list cache, for its screen
// (Lists: how old each list is).
func (c *Counter) StatusLists() *StatusLists { return c.status }

// refreshStatus fetches the due lists and discovers the agencies' lists.
// A list missing past the last one (HTTP 404) ends an agency's discovery
// and is no error.
func (c *Counter) refreshStatus(ctx context.Context, tl *trust.List) error {
	errs := []error{c.status.Refresh(ctx)}
	for _, is := range tl.Issuers {
		if is.StatusLists == "" {
			continue
		}
		for n := 0; n < maxListsPerAgency; n++ {
			uri := is.StatusLists + strconv.Itoa(n)
			held := c.status.held(uri)
			if err := c.status.Ensure(ctx, uri); err != nil {
				if !held && errors.Is(err, ErrStatusListFetch) {
					break // past the agency's last list
				}
				errs = append(errs, err)
				if !held {
					break
				}
			}
		}
	}
	return errors.Join(errs...)
}

// statusCheck is the consent.Verifier's Status hook for one Verify.
func (c *Counter) statusCheck(ctx context.Context, tl *trust.List) consent.StatusFunc {
	return func(issuer string, payload map[string]any) (consent.CredentialStatus, error) {
		cs := consent.CredentialStatus{Issuer: issuer}
		ref, err := statuslist.ReferenceFromClaims(payload)
		if errors.Is(err, statuslist.ErrNoStatusList) && !c.cfg.RequireStatus {
			cs.Reason = "the record carries no status: its withdrawal cannot be checked"
			return cs, nil
		}
		if err != nil {
			return cs, fmt.Errorf("%w: %w", consent.ErrStatus, err)
		}
		cs.URI, cs.Index = ref.URI, ref.Index
		if err := tl.CheckStatusURI(issuer, ref.URI); err != nil {
			return cs, fmt.Errorf("%w: %w", consent.ErrStatus, err)
		}
		st, age, err := c.status.Check(ref.URI, ref.Index)
		if (errors.Is(err, ErrStatusUnknown) || errors.Is(err, ErrStatusListExpired)) && c.fetchOnDemand(ctx, ref.URI) {
			st, age, err = c.status.Check(ref.URI, ref.Index)
		}
		cs.Age = age
		switch {
		case errors.Is(err, ErrStatusUnknown), errors.Is(err, ErrStatusListExpired):
			cs.Reason = err.Error()
			return cs, nil
		case err != nil: // an index outside the list
			return cs, fmt.Errorf("%w: %w", consent.ErrStatus, err)
		}
		switch st {
		case statuslist.Valid:
			cs.Checked = true
			return cs, nil
		case statuslist.Invalid:
			return cs, fmt.Errorf("%w: %s entry %d is INVALID (list %s old)", consent.ErrWithdrawn, ref.URI, ref.Index, age.Truncate(time.Second))
		case statuslist.Suspended:
			return cs, fmt.Errorf("%w: %s entry %d is SUSPENDED (list %s old)", consent.ErrSuspended, ref.URI, ref.Index, age.Truncate(time.Second))
		}
		return cs, fmt.Errorf("%w: %s entry %d has status %d", consent.ErrStatus, ref.URI, ref.Index, st)
	}
}

// fetchOnDemand fetches a list during Verify, unless it failed less than
// statusRetry ago; it reports whether the list was fetched.
func (c *Counter) fetchOnDemand(ctx context.Context, uri string) bool {
	now := c.cfg.Now()
	c.mu.Lock()
	last, tried := c.statusTried[uri]
	c.mu.Unlock()
	if tried && now.Sub(last) < statusRetry && now.Sub(last) >= 0 {
		return false
	}
	d := c.cfg.StatusFetchTimeout
	if d <= 0 {
		d = DefaultStatusOnDemandTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	err := c.status.Fetch(ctx, uri)
	c.mu.Lock()
	if err != nil {
		c.statusTried[uri] = now
	} else {
		delete(c.statusTried, uri)
	}
	c.mu.Unlock()
	return err == nil
}
