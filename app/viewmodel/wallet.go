package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

// Wallet is the state of the profiles on this device: which one is
// chosen, whether it is unlocked, and the open store while it is.
type Wallet struct {
	root string // one folder per profile, and profiles.json
	opts badgerstore.Options

	syncing atomic.Bool // a Sync is running

	mu      sync.Mutex
	current string // the chosen profile's folder name
	store   wallet.Store
	wh      Warehouse
	clock   func() time.Time // SetClock; nil is time.Now
}

// SetClock sets the wallet's clock (nil: time.Now), by which records are
// judged presentable (NeedsSync): a demonstration, or a test of a phone
// that has not synced for weeks.
func (w *Wallet) SetClock(now func() time.Time) {
	w.mu.Lock()
	w.clock = now
	w.mu.Unlock()
}

func (w *Wallet) now() time.Time {
	w.mu.Lock()
	clock := w.clock
	w.mu.Unlock()
	if clock == nil {
		return time.Now()
	}
	return clock()
}

// needsSync reports whether r's credential can no longer be shown at a
// counter at now (past its technical expiry, sync/credential
// Facts.Presentable): the record is still the citizen's, but a counter
// would refuse it until a sync has it re-issued. A withdrawn record, or
// one without a signature, is not re-issued and says so otherwise.
func needsSync(r wallet.Record, now time.Time) bool {
	if r.Credential == "" || r.Status == wallet.StatusWithdrawn {
		return false
	}
	f, err := credential.ReadFacts(r.Credential)
	return err == nil && !f.Presentable(now)
}

// NewWallet manages the profiles stored under root; the first one listed
// is chosen.
func NewWallet(root string, opts badgerstore.Options) *Wallet {
	w := &Wallet{root: root, opts: opts}
	if list, err := badgerstore.Profiles(root); err == nil && len(list) > 0 {
		w.current = list[0].ID
	}
	return w
}

func (w *Wallet) dir() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return filepath.Join(w.root, w.current)
}

// HasProfile reports whether any profile was created on this device.
func (w *Wallet) HasProfile() bool {
	list, err := w.Profiles()
	return err == nil && len(list) > 0
}

// Unlocked reports whether the store is open.
func (w *Wallet) Unlocked() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.store != nil
}

// CreateForm is what the create screen collects.
type CreateForm struct {
	CitizenID  string
	FullName   string
	BirthDate  string // as people write it: 26/12/1973, 6/3/1973, 26-12-1973, 26121973, 1973-12-26 (ParseDate)
	PIN        string
	PINConfirm string
	// Relation is whose profile it is; empty means the phone's owner.
	Relation Relation
}

// MinPINLength is the shortest PIN the app accepts.
const MinPINLength = 6

// Create makes a profile in its own folder, lists it, and leaves it
// chosen and unlocked (any other open profile is locked first).
func (w *Wallet) Create(f CreateForm) error {
	birth, err := ParseDate(f.BirthDate, time.Now())
	if err != nil {
		return errors.New(lang.L("Date of birth: {{.Why}}", map[string]any{"Why": err.Error()}))
	}
	if err := ValidPIN(f.PIN); err != nil {
		return err
	}
	if f.PIN != f.PINConfirm {
		return errors.New(lang.L("The two PINs are not the same."))
	}
	p := wallet.Profile{
		CitizenID: strings.TrimSpace(f.CitizenID),
		FullName:  strings.TrimSpace(f.FullName),
		BirthDate: birth.UTC(),
		CreatedAt: time.Now().UTC().Truncate(time.Second),
	}
	s, e, err := badgerstore.CreateProfile(w.root, []byte(f.PIN), p, f.Relation, w.opts)
	if err != nil {
		return errors.New(ErrorText(err))
	}
	_ = w.Lock()
	w.mu.Lock()
	w.current = e.ID
	w.store = s
	w.mu.Unlock()
	return nil
}

// Unlock opens the store with the PIN.
func (w *Wallet) Unlock(pin string) error {
	s, err := badgerstore.Open(w.dir(), []byte(pin), w.opts)
	if err != nil {
		return errors.New(ErrorText(err))
	}
	w.mu.Lock()
	old := w.store
	w.store = s
	w.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
	return nil
}

// Lock closes the store and drops its keys.
func (w *Wallet) Lock() error {
	w.mu.Lock()
	s := w.store
	w.store = nil
	w.mu.Unlock()
	if s == nil {
		return nil
	}
	return s.Close()
}

func (w *Wallet) open() (wallet.Store, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.store == nil {
		return nil, wallet.ErrLocked
	}
	return w.store, nil
}

// Profile returns the unlocked profile.
func (w *Wallet) Profile() (wallet.Profile, error) {
	s, err := w.open()
	if err != nil {
		return wallet.Profile{}, err
	}
	return s.Profile(context.Background())
}

// DomainRow is one line of the home screen.
type DomainRow struct {
	Domain wallet.Domain
	Label  string
	Count  int
}

// Domains returns every domain with its record count, in display order.
func (w *Wallet) Domains() ([]DomainRow, error) {
	s, err := w.open()
	if err != nil {
		return nil, err
	}
	counts, err := s.Counts(context.Background())
	if err != nil {
		return nil, err
	}
	rows := make([]DomainRow, 0, len(wallet.Domains))
	for _, d := range wallet.Domains {
		rows = append(rows, DomainRow{Domain: d, Label: DomainLabel(d), Count: counts[d]})
	}
	return rows, nil
}

// RecordRow is one line of a domain's record list.
type RecordRow struct {
	ID, Title, Issuer, Issued string
	Withdrawn                 bool
	// NeedsSync: the record's electronic copy has expired on this phone
	// (needsSync): it must be synced before it is shown to an office.
	NeedsSync bool
}

// Records lists the latest version of every record of a domain, each
// with its agency's name from the cached trust list.
func (w *Wallet) Records(d wallet.Domain) ([]RecordRow, error) {
	s, err := w.open()
	if err != nil {
		return nil, err
	}
	recs, err := s.Records(context.Background(), wallet.Query{Domain: d})
	if err != nil {
		return nil, err
	}
	list := w.trustList()
	now := w.now()
	rows := make([]RecordRow, 0, len(recs))
	for _, r := range recs {
		issuer := r.Issuer
		if list != nil {
			if iss, ok := list.Issuer(r.Issuer); ok {
				issuer = agencyName(iss)
			}
		}
		title := r.Type
		if t, ok := wallet.LookupType(r.Type); ok {
			title = Localized(t.Label)
		}
		rows = append(rows, RecordRow{
			ID:        r.ID,
			Title:     title,
			Issuer:    issuer,
			Issued:    r.IssuedAt.Local().Format("02/01/2006"),
			Withdrawn: r.Status == wallet.StatusWithdrawn,
			NeedsSync: needsSync(r, now),
		})
	}
	return rows, nil
}

// ErrorText turns an error of the wallet into a sentence for the user that
// says what happened and what to do.
func ErrorText(err error) string {
	var th *wallet.ThrottledError
	var wrong *wallet.WrongPINError
	switch {
	case errors.As(err, &th):
		return lang.L("Too many wrong PINs. Try again in {{.Wait}}.", map[string]any{"Wait": PlainWait(th.RetryAfter)})
	case errors.As(err, &wrong) && wrong.NextDelay > 0:
		return lang.L("Wrong PIN. Wait {{.Wait}} before the next try.", map[string]any{"Wait": PlainWait(wrong.NextDelay)})
	case errors.As(err, &wrong) && wrong.FreeLeft > 0:
		return lang.L("Wrong PIN. {{.N}} more tries before you must wait.", map[string]any{"N": wrong.FreeLeft})
	case errors.Is(err, wallet.ErrWrongPIN):
		return lang.L("Wrong PIN. Check it and try again.")
	case errors.Is(err, wallet.ErrCorruptHeader):
		return lang.L("The profile's key file is damaged. Ask the commune digital team for help; do not delete the app data.")
	case errors.Is(err, wallet.ErrIntegrity):
		return lang.L("Some stored data failed its integrity check and was not shown. Sync again to restore it.")
	case errors.Is(err, wallet.ErrExists):
		return lang.L("A profile already exists here.")
	case errors.Is(err, wallet.ErrLocked):
		return lang.L("The wallet is locked. Enter your PIN.")
	case errors.Is(err, wallet.ErrInvalid):
		return fmt.Sprintf("%s (%v)", lang.L("The information is not valid."), err)
	default:
		return fmt.Sprintf("%s (%v)", lang.L("Something went wrong."), err)
	}
}

// FieldRow is one claim of a record as the detail screen shows it.
type FieldRow struct {
	Label, Value string
	Sensitive    bool
}

// VersionRow is one version of a record.
type VersionRow struct {
	Version int
	Issued  string
	Status  string
}

// RecordDetail is everything the detail screen shows about a record.
// Issued is when the agency signed this electronic copy
// (wallet.Record.IssuedAt), not the document's own date of issue, which
// is a claim ("Ngày cấp") on the card or among the fields.
type RecordDetail struct {
	Title, Issuer, Issued, Valid, Status, AsOf string
	Signed                                     bool
	// NeedsSync: the electronic copy has expired on this phone; a sync
	// renews it before it can be shown to an office (RecordRow.NeedsSync).
	NeedsSync bool
	Fields    []FieldRow
	Versions  []VersionRow
	// Card, when not nil, is the record as its document (CardOf): the
	// screen opens with it and shows Card.Details under "Chi tiết"
	// instead of Fields.
	Card *Card
}

// Record returns the detail of the latest version of record id: claims
// in the order of its type, who issued it (the agency's name from the
// cached trust list when there is one), validity, when this phone got it
// ("as of") and its version history.
func (w *Wallet) Record(id string) (RecordDetail, error) {
	s, err := w.open()
	if err != nil {
		return RecordDetail{}, err
	}
	ctx := context.Background()
	r, err := s.Record(ctx, id)
	if err != nil {
		return RecordDetail{}, err
	}
	hist, err := s.History(ctx, id)
	if err != nil {
		return RecordDetail{}, err
	}
	d := RecordDetail{Title: r.Type, Issuer: w.issuerName(r.Issuer), Issued: r.IssuedAt.Local().Format("02/01/2006"),
		Status: statusText(r.Status), Signed: r.Credential != "", NeedsSync: needsSync(r, w.now())}
	if !r.ReceivedAt.IsZero() {
		d.AsOf = lang.L("As of {{.When}}", map[string]any{"When": r.ReceivedAt.Local().Format("02/01/2006 15:04")})
	}
	if !r.ValidFrom.IsZero() || !r.ValidUntil.IsZero() {
		from, until := "…", "…"
		if !r.ValidFrom.IsZero() {
			from = r.ValidFrom.Format("02/01/2006")
		}
		if !r.ValidUntil.IsZero() {
			until = r.ValidUntil.Format("02/01/2006")
		}
		d.Valid = from + " – " + until
	}
	t, ok := wallet.LookupType(r.Type)
	if ok {
		d.Title = Localized(t.Label)
		for _, f := range t.Fields {
			v, has := r.Claims[f.Name]
			if !has {
				continue
			}
			d.Fields = append(d.Fields, FieldRow{Label: Localized(f.Label), Value: claimText(f, v), Sensitive: f.Sensitive})
		}
	}
	if c, ok := CardOf(r); ok {
		d.Card = &c
	}
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		d.Versions = append(d.Versions, VersionRow{Version: h.Version, Issued: h.IssuedAt.Local().Format("02/01/2006 15:04"), Status: statusText(h.Status)})
	}
	return d, nil
}

func statusText(s wallet.Status) string {
	switch s {
	case wallet.StatusActive:
		return lang.L("active")
	case wallet.StatusSuperseded:
		return lang.L("corrected")
	case wallet.StatusWithdrawn:
		return lang.L("withdrawn")
	}
	return string(s)
}

// claimText shows a claim value: coded values by their label, dates as
// DD/MM/YYYY, booleans as yes/no, lists one per line.
func claimText(f wallet.Field, v any) string {
	switch x := v.(type) {
	case string:
		if o, ok := f.Option(x); ok {
			return Localized(o.Label)
		}
		if f.Kind == wallet.KindDate {
			if d, err := time.Parse(wallet.DateLayout, x); err == nil {
				return d.Format("02/01/2006")
			}
		}
		return x
	case bool:
		if x {
			return lang.L("yes")
		}
		return lang.L("no")
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = fmt.Sprint(it)
		}
		return strings.Join(parts, "\n")
	}
	return fmt.Sprint(v)
}

// trustList is the cached trust list, verified against the root key the
// profile enrolled with (nil before the first sync).
func (w *Wallet) trustList() *trust.List {
	s, err := w.open()
	if err != nil {
		return nil
	}
	tl, err := s.Meta(context.Background(), client.MetaTrustList)
	if err != nil {
		return nil
	}
	_, root, err := client.Warehouse(context.Background(), s)
	if err != nil {
		return nil
	}
	list, err := trust.Verify(string(tl), root)
	if err != nil {
		return nil
	}
	return list
}

func agencyName(iss *trust.Issuer) string { return localName(iss.Name) }

// localName is a trust-list name in the app's language.
func localName(n trust.Name) string {
	if lang.L("lang.code") == "en" && n.EN != "" {
		return n.EN
	}
	return n.VI
}

// issuerName is the agency's name from the cached trust list, or its id.
func (w *Wallet) issuerName(id string) string {
	if list := w.trustList(); list != nil {
		if iss, ok := list.Issuer(id); ok {
			return agencyName(iss)
		}
	}
	return id
}

// Agency is an office or agency the citizen can share with.
type Agency struct{ ID, Name string }

// Recipients lists, by name in Vietnamese alphabetical order, the
// offices of the cached trust list that receive procedure (its
// catalogue's recipient kinds: the commune People's Committees for a
// birth registration, the hospitals for insured treatment ...). For a
// share by hand (procedure ""), or when the list has no office of those
// kinds, it lists every office and issuer. Other offices are entered by
// code.
func (w *Wallet) Recipients(procedure string) []Agency {
	list := w.trustList()
	if list == nil {
		return nil
	}
	var kinds []string
	if procedure != "" {
		if cat, err := assets.Procedures(); err == nil {
			if p, ok := cat.Lookup(procedure); ok {
				kinds = p.RecipientKinds
			}
		}
	}
	var out []Agency
	if len(kinds) > 0 {
		for _, o := range list.OfficesOfKind(kinds...) {
			out = append(out, Agency{ID: o.ID, Name: localName(o.Name)})
		}
		if len(out) > 0 {
			return out
		}
	}
	seen := map[string]bool{}
	for _, o := range list.OfficesOfKind() {
		seen[o.ID] = true
		out = append(out, Agency{ID: o.ID, Name: localName(o.Name)})
	}
	for i := range list.Issuers {
		if !seen[list.Issuers[i].ID] {
			out = append(out, Agency{ID: list.Issuers[i].ID, Name: agencyName(&list.Issuers[i])})
		}
	}
	slices.SortStableFunc(out, func(a, b Agency) int { return trust.CompareVietnamese(a.Name, b.Name) })
	return out
}
