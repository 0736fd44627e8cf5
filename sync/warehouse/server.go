package warehouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Agency is an issuing agency of the province.
type Agency struct {
	ID   string       // issuer id in the trust list, e.g. "vn.dongnai.soyte"
	Name wallet.Label // Vietnamese and English names
}

// Config configures a Server. Zero fields take the defaults.
type Config struct {
	// Store keeps everything but the private keys; required. The Server
	// does not close it.
	Store Store
	// Keys holds the root and agency private keys; required.
	Keys KeyStore
	// Province is the province id, e.g. "vn.dongnai": required on the
	// first start of a store, and checked against it afterwards ("" then
	// takes the store's).
	Province string
	// Now is the server clock; nil means time.Now.
	Now func() time.Time
	// ClockSkew is how far a request's iat may be from the server's clock,
	// either way (default 2 minutes).
	ClockSkew time.Duration
	// CodeTTL is how long an enrolment code stays valid (default 15 min).
	CodeTTL time.Duration
	// KeysNotBefore is the start of the validity of the agency keys
	// registered without one (default 1970-01-02, the earliest the
	// trust-list format holds, so records digitised with old issue dates
	// verify).
	KeysNotBefore time.Time
	// Refresh is how often a process looks in the store for agencies
	// registered by another process (default 5 s).
	Refresh time.Duration
	// MaxInFlight bounds the requests a process works on at once (default
	// 16 per CPU); more wait for a turn. A request's working memory (a
	// feed page, its credentials, its compression) is ≈ 1–2 MB, so this
	// bounds the memory that concurrent clients cost.
	MaxInFlight int
	// RevocationLimits bound each citizen's consent revocations (default
	// DefaultLiveRevocations unexpired, DefaultRevocationsPerHour new an
	// hour).
	RevocationLimits RevocationLimits
	// RevocationListTTL is the next update a revocation list names
	// (default DefaultRevocationListTTL).
	RevocationListTTL time.Duration
	// CredentialLifetime is the technical lifetime (the JWT exp) of the
	// credentials issued to devices (default credential.DefaultLifetime,
	// 30 days); CredentialLifetimes overrides it per record type (e.g.
	// "health.insurance_card": 7 days). A record's own validity is its
	// ValidFrom/ValidUntil, not this. See lifecycle.go.
	CredentialLifetime  time.Duration
	CredentialLifetimes map[string]time.Duration
	// RenewBefore is how long before its exp a stored credential is
	// re-issued instead of served (default credential.DefaultRenewBefore,
	// 7 days; at most half a type's lifetime).
	RenewBefore time.Duration
	// PublicURL is the warehouse's public https base URL (e.g.
	// "https://dulieu.dongnai.gov.vn"): the agencies' status lists are
	// published under PublicURL/status/v1/ (statuslists.go). Empty: no
	// status lists, credentials carry no status claim.
	PublicURL string
	// StatusListCapacity is the number of entries of each status list
	// (default DefaultStatusListCapacity, 2^24; a multiple of 8). It must
	// not change for a store.
	StatusListCapacity int
	// StatusListTTL is the ttl (and Cache-Control max-age) of the lists
	// (default DefaultStatusListTTL); StatusMinInterval the least time
	// between two builds of a changed list (default
	// DefaultStatusMinInterval); StatusBuildEvery how often the builder
	// looks for due lists (default DefaultStatusBuildEvery; negative: no
	// background builder, PublishStatusLists only, for tests and tools).
	StatusListTTL, StatusMinInterval, StatusBuildEvery time.Duration
}

// Server is the provincial warehouse's wallet-facing service. It keeps
// nothing in memory that another process on the same Store needs: several
// Servers (processes) on one PostgreSQL behave as one.
type Server struct {
	cfg    Config
	st     Store
	root   *keys.PrivateKey
	revKey *keys.PrivateKey // signs revocation lists, delegated in the trust list
	// seedKey derives every credential's issuance seed (seed.go).
	seedKey []byte

	mu        sync.RWMutex
	agencies  map[string]*agencyKeys
	trustJWS  string
	trustList *trust.List
	offices   []trust.Office // the directory of offices (MetaOffices) in the list
	version   int64          // trust-list version of the agencies loaded
	checked   time.Time      // when the store's trust version was last read

	mux       *http.ServeMux
	work      chan struct{} // one token per request being worked on
	perDevice deviceLimits
	stop      chan struct{}
	done      chan struct{}

	statusKick chan struct{} // wakes the status-list builder
	statusDone chan struct{}
	building   sync.Mutex // one PublishStatusLists at a time
}

// agencyKeys is an agency and its signing keys (the last is current).
type agencyKeys struct {
	info AgencyInfo
	keys []*keys.PrivateKey
}

// Open starts a warehouse service on cfg.Store: on the first start of a
// store it records the province and the root key; on every start it
// checks them and signs the trust list.
func Open(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Keys == nil {
		return nil, errors.New("warehouse: Config.Store and Config.Keys are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ClockSkew <= 0 {
		cfg.ClockSkew = 2 * time.Minute
	}
	if cfg.CodeTTL <= 0 {
		cfg.CodeTTL = 15 * time.Minute
	}
	if cfg.KeysNotBefore.IsZero() {
		cfg.KeysNotBefore = time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC)
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = 5 * time.Second
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 16 * runtime.GOMAXPROCS(0)
	}
	if cfg.RevocationLimits.Live <= 0 {
		cfg.RevocationLimits.Live = DefaultLiveRevocations
	}
	if cfg.RevocationLimits.PerHour <= 0 {
		cfg.RevocationLimits.PerHour = DefaultRevocationsPerHour
	}
	if cfg.RevocationListTTL <= 0 {
		cfg.RevocationListTTL = DefaultRevocationListTTL
	}
	if err := cfg.lifetimes(); err != nil {
		return nil, fmt.Errorf("warehouse: %w", err)
	}
	if err := cfg.checkStatusConfig(); err != nil {
		return nil, fmt.Errorf("warehouse: %w", err)
	}
	s := &Server{cfg: cfg, st: cfg.Store, agencies: map[string]*agencyKeys{}, work: make(chan struct{}, cfg.MaxInFlight),
		stop: make(chan struct{}), done: make(chan struct{}), statusKick: make(chan struct{}, 1), statusDone: make(chan struct{})}
	ctx := context.Background()
	if err := s.init(ctx); err != nil {
		return nil, fmt.Errorf("warehouse: %w", err)
	}
	s.routes()
	go s.purgeLoop()
	go s.statusLoop()
	return s, nil
}

// Close stops the server's background work (not the Store).
func (s *Server) Close() error {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.done
	<-s.statusDone
	return nil
}

// purgeLoop deletes expired request ids and enrolment codes.
func (s *Server) purgeLoop() {
	defer close(s.done)
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.st.PurgeExpired(context.Background(), s.cfg.Now())
		}
	}
}

// init checks (or, on a store's first start, records) the province and
// the root key, and loads the agencies.
func (s *Server) init(ctx context.Context) error {
	prov, err := s.st.Meta(ctx, MetaProvince)
	switch {
	case errors.Is(err, ErrNotFound):
		if s.cfg.Province == "" {
			return errors.New("a new store needs the province id (Config.Province)")
		}
		if err := s.st.PutMeta(ctx, MetaProvince, []byte(s.cfg.Province)); err != nil {
			return err
		}
	case err != nil:
		return err
	case s.cfg.Province != "" && string(prov) != s.cfg.Province:
		return fmt.Errorf("the store holds province %s, not %s", prov, s.cfg.Province)
	default:
		s.cfg.Province = string(prov)
	}
	if err := s.loadSeedKey(ctx); err != nil {
		return err
	}
	root, err := s.cfg.Keys.Key("root", keys.ES256)
	if err != nil {
		return fmt.Errorf("root key: %w", err)
	}
	s.root = root
	if s.revKey, err = s.cfg.Keys.Key(revocationKeyName, keys.ES256); err != nil {
		return fmt.Errorf("revocation-list key: %w", err)
	}
	pub, _ := root.Public().MarshalJSON()
	stored, err := s.st.Meta(ctx, MetaRootKey)
	switch {
	case errors.Is(err, ErrNotFound):
		if err := s.st.PutMeta(ctx, MetaRootKey, pub); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		k, err := keys.ParsePublicJWK(stored)
		if err != nil || !k.Equal(root.Public()) {
			return errors.New("the key store's root key is not the one this store was made with (wrong key directory?)")
		}
	}
	if _, err := s.st.Meta(ctx, MetaTrustVersion); errors.Is(err, ErrNotFound) {
		if err := s.st.PutMeta(ctx, MetaTrustVersion, []byte("1")); err != nil {
			return err
		}
	}
	return s.reload(ctx)
}

// Province is the province id.
func (s *Server) Province() string { return s.cfg.Province }

func (s *Server) trustVersion(ctx context.Context) (int64, error) {
	b, err := s.st.Meta(ctx, MetaTrustVersion)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(string(b), 10, 64)
}

// reload reads the agencies, their keys and the directory of offices and
// signs the trust list.
func (s *Server) reload(ctx context.Context) error {
	version, err := s.trustVersion(ctx)
	if err != nil {
		return fmt.Errorf("trust version: %w", err)
	}
	infos, err := s.st.Agencies(ctx)
	if err != nil {
		return err
	}
	offices, _, err := s.storedOffices(ctx)
	if err != nil {
		return err
	}
	agencies := make(map[string]*agencyKeys, len(infos))
	now := s.cfg.Now().UTC()
	l := trust.List{Province: s.cfg.Province, Version: version, IssuedAt: now, NextUpdate: now.Add(7 * 24 * time.Hour),
		RevocationKeys: []trust.IssuerKey{{Key: s.revKey.Public(), NotBefore: s.cfg.KeysNotBefore}}, Offices: offices}
	for _, a := range infos {
		ak := &agencyKeys{info: a}
		iss := trust.Issuer{ID: a.ID, URL: s.issuerURL(a.ID), Name: trust.Name{VI: a.Name.VI, EN: a.Name.EN}}
		if s.statusEnabled() {
			iss.StatusLists = s.statusPrefix(a.ID)
		}
		for i, sk := range a.SigningKeys {
			k, err := s.cfg.Keys.Key(signingKeyName(a.ID, i), keys.ES256)
			if err != nil {
				return fmt.Errorf("signing key %d of %s: %w", i+1, a.ID, err)
			}
			if k.KID() != sk.KID {
				return fmt.Errorf("signing key %d of %s in the key store is %s, the store says %s", i+1, a.ID, k.KID(), sk.KID)
			}
			ak.keys = append(ak.keys, k)
			iss.Keys = append(iss.Keys, trust.IssuerKey{Key: k.Public(), NotBefore: sk.NotBefore, NotAfter: sk.NotAfter, Compromised: sk.Compromised})
		}
		agencies[a.ID] = ak
		l.Issuers = append(l.Issuers, iss)
	}
	var signed string
	var parsed *trust.List
	if len(l.Issuers) > 0 { // a new province has no trust list until its first agency
		signed, err = trust.Sign(l, s.root)
		if err != nil {
			return fmt.Errorf("sign trust list: %w", err)
		}
		parsed, err = trust.Verify(signed, s.root.Public())
		if err != nil {
			return fmt.Errorf("trust list does not verify: %w", err)
		}
	}
	s.mu.Lock()
	s.agencies, s.trustJWS, s.trustList, s.offices, s.version, s.checked = agencies, signed, parsed, offices, version, time.Now()
	s.mu.Unlock()
	return nil
}

// refresh reloads the agencies and the offices when another process
// changed them (the store's trust version moved), looking at most every Config.Refresh
// unless force.
func (s *Server) refresh(ctx context.Context, force bool) error {
	s.mu.RLock()
	fresh := time.Since(s.checked) < s.cfg.Refresh
	have := s.version
	s.mu.RUnlock()
	if fresh && !force {
		return nil
	}
	v, err := s.trustVersion(ctx)
	if err != nil {
		return err
	}
	if v == have {
		s.mu.Lock()
		s.checked = time.Now()
		s.mu.Unlock()
		return nil
	}
	return s.reload(ctx)
}

func signingKeyName(agency string, i int) string {
	return fmt.Sprintf("agency-%s-%d", agency, i+1)
}

// agency returns a registered agency and its keys, looking in the store
// once more when this process does not know it yet.
func (s *Server) agency(ctx context.Context, id string) (*agencyKeys, bool) {
	s.mu.RLock()
	a, ok := s.agencies[id]
	s.mu.RUnlock()
	if ok {
		return a, true
	}
	if err := s.refresh(ctx, true); err != nil {
		return nil, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok = s.agencies[id]
	return a, ok
}

// RegisterAgency adds an issuing agency (or renames one): its names, the
// client key its system signs ingestion requests with, and, for a new
// agency, a signing key generated in the KeyStore with alg. The trust
// list gets a new version.
func (s *Server) RegisterAgency(ctx context.Context, a Agency, client *keys.PublicKey, alg keys.Alg) error {
	if err := checkAgencyID(a.ID); err != nil {
		return err
	}
	info := AgencyInfo{ID: a.ID, Name: a.Name}
	old, existed := s.agency(ctx, a.ID)
	if existed {
		info.SigningKeys = old.info.SigningKeys
		info.ClientKey = old.info.ClientKey
	} else {
		k, err := s.cfg.Keys.Key(signingKeyName(a.ID, 0), alg)
		if err != nil {
			return fmt.Errorf("register agency %s: %w", a.ID, err)
		}
		pub, _ := k.Public().MarshalJSON()
		info.SigningKeys = []SigningKey{{KID: k.KID(), Public: pub, NotBefore: s.cfg.KeysNotBefore}}
	}
	if client != nil {
		info.ClientKey, _ = client.MarshalJSON()
	}
	if err := s.st.PutAgency(ctx, info); err != nil {
		return fmt.Errorf("register agency %s: %w", a.ID, err)
	}
	if err := s.bumpTrustVersion(ctx); err != nil {
		return fmt.Errorf("register agency %s: %w", a.ID, err)
	}
	if err := s.audit(ctx, "system", "agency-register", a.ID, map[string]any{
		"new": !existed, "signing_kid": info.SigningKeys[len(info.SigningKeys)-1].KID, "client_key_set": client != nil,
	}); err != nil {
		return err
	}
	return s.reload(ctx)
}

func (s *Server) bumpTrustVersion(ctx context.Context) error {
	v, err := s.trustVersion(ctx)
	if err != nil {
		return err
	}
	return s.st.PutMeta(ctx, MetaTrustVersion, []byte(strconv.FormatInt(v+1, 10)))
}

func checkAgencyID(id string) error {
	if id == "" || len(id) > 100 {
		return fmt.Errorf("%w: agency id must be 1 to 100 bytes", wallet.ErrInvalid)
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return fmt.Errorf("%w: agency id %q: only a-z, 0-9, '.', '-' and '_'", wallet.ErrInvalid, id)
		}
	}
	return nil
}

// RootKey is the province's root public key: wallets and counters are
// configured with it and verify the trust list against it.
func (s *Server) RootKey() *keys.PublicKey { return s.root.Public() }

// TrustList returns the current signed trust list.
func (s *Server) TrustList() string {
	s.refresh(context.Background(), false)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.trustJWS
}

// writeJSON writes v with status, gzip'ed when the client accepts it.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, protocol.ErrCodeInternal, "encode response")
		return
	}
	writeBody(w, r, status, b)
}

func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	b, _ := json.Marshal(protocol.Error{Code: code, Message: msg})
	writeBody(w, r, status, b)
}

// ErrTooManyKeys: an agency already has trust.MaxKeysPerIssuer signing
// keys; retire old ones before rotating again.
var ErrTooManyKeys = fmt.Errorf("%w: the agency has the most signing keys a trust list holds", wallet.ErrInvalid)

// RotateAgencyKey gives an agency a new signing key (generated in the
// KeyStore with alg): from now on its credentials are signed with it. The
// previous keys stay in the trust list and keep verifying what they
// signed: the current one's NotAfter becomes now (credentials are judged
// by their issue time, so it verifies those issued before, and nothing
// dated later). The new key's NotBefore is Config.KeysNotBefore. The
// trust list gets a new version; every process picks the key up (it is
// in the store). A leaked key is another matter: CompromiseAgencyKey
// marks it so that nothing it signed verifies (see lifecycle.go).
func (s *Server) RotateAgencyKey(ctx context.Context, agencyID string, alg keys.Alg) (SigningKey, error) {
	return s.rotateAgencyKeyAs(ctx, "system", agencyID, alg)
}

func (s *Server) rotateAgencyKeyAs(ctx context.Context, actor, agencyID string, alg keys.Alg) (SigningKey, error) {
	old, ok := s.agency(ctx, agencyID)
	if !ok {
		return SigningKey{}, fmt.Errorf("rotate key: %w: agency %s", ErrNotFound, agencyID)
	}
	info := old.info
	info.SigningKeys = slices.Clone(info.SigningKeys)
	n := len(info.SigningKeys)
	if n >= trust.MaxKeysPerIssuer {
		return SigningKey{}, fmt.Errorf("rotate key of %s: %w (%d)", agencyID, ErrTooManyKeys, n)
	}
	k, err := s.cfg.Keys.Key(signingKeyName(agencyID, n), alg)
	if err != nil {
		return SigningKey{}, fmt.Errorf("rotate key of %s: %w", agencyID, err)
	}
	// The old key's end is the next whole second: credentials are signed
	// with their iat in whole seconds, so one signed in this very second,
	// before the rotation, still verifies; from now on the new key signs.
	now := s.cfg.Now().UTC().Truncate(time.Second).Add(time.Second)
	if last := &info.SigningKeys[n-1]; last.NotAfter.IsZero() || last.NotAfter.After(now) {
		last.NotAfter = now
	}
	pub, _ := k.Public().MarshalJSON()
	sk := SigningKey{KID: k.KID(), Public: pub, NotBefore: s.cfg.KeysNotBefore}
	info.SigningKeys = append(info.SigningKeys, sk)
	if err := s.st.PutAgency(ctx, info); err != nil {
		return SigningKey{}, fmt.Errorf("rotate key of %s: %w", agencyID, err)
	}
	if err := s.bumpTrustVersion(ctx); err != nil {
		return SigningKey{}, fmt.Errorf("rotate key of %s: %w", agencyID, err)
	}
	if err := s.audit(ctx, actor, "agency-key-rotate", agencyID, map[string]any{
		"old_kid": info.SigningKeys[n-1].KID, "old_not_after": now.Format(time.RFC3339), "new_kid": sk.KID,
	}); err != nil {
		return SigningKey{}, err
	}
	return sk, s.reload(ctx)
}
