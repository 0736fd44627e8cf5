package viewmodel

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/vnwallet/citizenwallet/app/camera"
	"image"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/counter"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// CounterConfig configures counter (verifier) mode.
type CounterConfig struct {
	BaseURL   string          // the warehouse, for trust list, revocations and online tokens
	RootKey   *keys.PublicKey // the province root key
	Agency    string          // this counter's agency id: tokens must name it
	CounterID string
	Dir       string // where the counter keeps its caches and log
	Now       func() time.Time
	// Freshness is how old the revocation list may be before every
	// verdict warns (default 24 h, sync/counter.DefaultFreshness).
	Freshness time.Duration
	// RefreshEvery is how often an online counter refreshes its lists by
	// itself, and how old they may be before a verification refreshes
	// them first (default DefaultRefreshEvery).
	RefreshEvery time.Duration
	// IdleClear is how long a result stays on screen with nothing
	// scanned (default DefaultIdleClear): the next person in line must
	// not read the previous one's data.
	IdleClear time.Duration
	// StatusTransport carries the fetches of the agencies' status lists
	// (sync/counter.Config.StatusTransport; nil: the default, https).
	StatusTransport http.RoundTripper
}

// Counter desk defaults.
const (
	DefaultRefreshEvery = 10 * time.Minute
	DefaultIdleClear    = 2 * time.Minute
)

// Counter is the counter screen's state: the shared counter (caches,
// replay cache, verification, log: sync/counter), the parts read so far,
// and the last result in plain words.
type Counter struct {
	cfg  CounterConfig
	core *counter.Counter
	mu   sync.Mutex
	asm  *qrtext.Assembler
	last *CounterResult
	// shown is when the result was set (for IdleClear); refreshed when
	// the lists were last fetched (Fresh).
	shown, refreshed time.Time
}

// CounterResult is what the counter screen shows after a token.
type CounterResult struct {
	Valid bool
	// ScanProblem: the scan went wrong (typed through a Vietnamese
	// keyboard, cut short, another code): not a verdict on the document;
	// the parts read so far are kept.
	ScanProblem bool
	Reason      string // for an invalid token or a scan problem: what is wrong, in plain words
	ConsentID   string
	// ProcedureCode is the catalogue code the token names; Procedure its
	// name (the code when the catalogue does not know it).
	ProcedureCode, Procedure string
	Purpose                  string
	// Retention is how long the office may keep the data, from the
	// catalogue.
	Retention string
	Expires   string
	// Name and BirthDate are the citizen's, for the verdict's header (from
	// the disclosed full_name and birth_date; "" when not disclosed).
	Name, BirthDate string
	// Vouchers names the agencies that signed the fields, in order.
	Vouchers []string
	// Groups are the fields in the procedure's form order.
	Groups []FieldGroup
	fields []consent.Field
	// Revocations says how the consent's revocation was checked: online
	// at the warehouse, or against the revocation list of a stated age;
	// RevocationsStale when that list is older than the counter's
	// freshness (or there is none), which every verdict then shows.
	Revocations      string
	RevocationsStale bool
	// Withdrawals says how the agencies' withdrawals of the records were
	// checked (Token Status Lists, offline): one line with the age of the
	// oldest list used, and one line for each record whose status could
	// not be checked (no list yet, a list out of date, a record without
	// status), which then sets WithdrawalsUnchecked. Empty for an online
	// token: the warehouse serves the records as they are now.
	Withdrawals          string
	WithdrawalsUnchecked bool
}

// FieldGroup is the fields of one record and who vouches for them.
type FieldGroup struct {
	Title  string // record type
	Issuer string // agency name
	Fields []CounterField
}

// CounterField is one verified field as the counter shows it: the
// field's name, its value in words, and, for a coded value said in words
// (a BHYT benefit level, a beneficiary group, a licence class), the raw
// code in small text beside it ("mã 4"), as the record's card says it
// (CodedWords).
type CounterField struct {
	Label, Value, Code string
}

// counterField names field f of a verified token and says its value.
func counterField(f consent.Field) CounterField {
	out := CounterField{Label: f.Claim, Value: fmt.Sprint(f.Value)}
	if t, ok := wallet.LookupType(f.Type); ok {
		if fd, ok := t.Field(f.Claim); ok {
			out.Label, out.Value = Localized(fd.Label), claimText(fd, f.Value)
		}
	}
	if text, code, ok := CodedWords(f.Type, f.Claim, f.Value); ok {
		out.Value, out.Code = text, code
	}
	return out
}

// NewCounter opens the counter's caches in cfg.Dir, then tries to
// refresh them from the warehouse.
func NewCounter(cfg CounterConfig) (*Counter, error) {
	var c *Counter
	explain := func(err error) string { // the log keeps the sentence the screen showed
		if c == nil {
			return counterReason(err)
		}
		return c.reason(err)
	}
	core, err := counter.Open(counter.Config{BaseURL: cfg.BaseURL, RootKey: cfg.RootKey, Agency: cfg.Agency, CounterID: cfg.CounterID,
		Dir: cfg.Dir, Now: cfg.Now, Explain: explain, Freshness: cfg.Freshness, StatusTransport: cfg.StatusTransport})
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RefreshEvery <= 0 {
		cfg.RefreshEvery = DefaultRefreshEvery
	}
	if cfg.IdleClear <= 0 {
		cfg.IdleClear = DefaultIdleClear
	}
	c = &Counter{cfg: cfg, core: core, asm: qrtext.NewAssembler(qrtext.Limits{})}
	c.Refresh()
	return c, nil
}

// AgencyName is this counter's agency as the trust list names it when it
// is an issuer there, else its id.
func (c *Counter) AgencyName() string {
	if n, ok := c.core.Name(c.cfg.Agency); ok {
		return localName(n)
	}
	return lang.L("an office not in the province's directory")
}

// Progress is how many of how many parts of the token being read are in.
func (c *Counter) Progress() (have, total int) { return c.asm.Progress() }

// Close closes the replay cache.
func (c *Counter) Close() error { return c.core.Close() }

// Refresh fetches the trust list and the revocation list; offline it
// keeps the cached ones. It returns a status line, with the time of the
// last successful refresh.
func (c *Counter) Refresh() string {
	st := c.core.Refresh(context.Background())
	c.mu.Lock()
	if st == counter.Fresh {
		c.refreshed = c.cfg.Now()
	}
	last := c.refreshed
	c.mu.Unlock()
	switch st {
	case counter.Fresh:
		return lang.L("Online: trust list and revocations up to date ({{.At}}).", map[string]any{"At": last.Local().Format("15:04")})
	case counter.Cached:
		note, _ := c.revocationNote(false)
		return lang.L("Offline: using the saved trust list.") + " " + note
	}
	return lang.L("Offline and no trust list yet: connect once to the warehouse before verifying.")
}

// Tick is the counter desk's clock, run every few seconds by the screen:
// it refreshes the lists when RefreshEvery has passed since the last
// successful refresh (status is the new status line, "" if it did not
// try), and clears a result left on screen for IdleClear (cleared).
func (c *Counter) Tick() (status string, cleared bool) {
	now := c.cfg.Now()
	c.mu.Lock()
	due := now.Sub(c.refreshed) >= c.cfg.RefreshEvery
	if c.last != nil && now.Sub(c.shown) >= c.cfg.IdleClear {
		c.last, cleared = nil, true
	}
	c.mu.Unlock()
	if due {
		status = c.Refresh()
	}
	return status, cleared
}

// ClearResult forgets the result shown and the parts read (Công dân mới).
func (c *Counter) ClearResult() {
	c.mu.Lock()
	c.asm.Reset()
	c.last = nil
	c.mu.Unlock()
}

// Scan takes one QR text (a keyboard-wedge scanner types it and Enter).
// It returns "2 / 3" progress; when the set is complete it verifies and
// the result is in Result.
func (c *Counter) Scan(text string) (progress string, complete bool) {
	text = strings.TrimSpace(text)
	fixed, problem := typingProblem(text)
	c.mu.Lock()
	have0, _ := c.asm.Progress()
	if problem != "" && fixed == "" {
		// Mistyped by the keyboard, not a bad document: say how to fix
		// it, keep the parts read, log it as a scan error.
		c.last, c.shown = &CounterResult{ScanProblem: true, Reason: problem}, c.cfg.Now()
		have, total := c.asm.Progress()
		c.mu.Unlock()
		c.core.ScanProblem(errors.New(problem))
		if total > 0 {
			return lang.L("{{.Have}} of {{.Total}} codes read", map[string]any{"Have": have, "Total": total}), true
		}
		return "", true
	}
	if fixed != "" {
		text = fixed
	}
	done, err := c.asm.Add(text)
	have, total := c.asm.Progress()
	if err == nil && have0 == 0 {
		c.last = nil // a new person: nothing of the previous one stays
	}
	c.mu.Unlock()
	if err != nil {
		if errors.Is(err, qrtext.ErrMalformed) || errors.Is(err, qrtext.ErrNotOurs) {
			// A cut or stray scan: the parts read so far stay.
			msg := lang.L("This code was not read whole. Scan this code again.")
			if errors.Is(err, qrtext.ErrNotOurs) {
				msg = lang.L("This is not a citizen wallet code. Scan the codes on the citizen's phone.")
			}
			c.setResult(&CounterResult{ScanProblem: true, Reason: msg})
			c.core.ScanProblem(err)
			if total > 0 {
				return lang.L("{{.Have}} of {{.Total}} codes read", map[string]any{"Have": have, "Total": total}), true
			}
			return "", true
		}
		c.setResult(&CounterResult{Reason: c.reason(err)})
		c.core.Refused(err)
		c.Reset()
		return "", true
	}
	progress = lang.L("{{.Have}} of {{.Total}} codes read", map[string]any{"Have": have, "Total": total})
	if problem != "" {
		progress += " — " + problem
	}
	if !done {
		return progress, false
	}
	c.mu.Lock()
	tok, err := c.asm.Token()
	c.mu.Unlock()
	c.Reset()
	if err != nil {
		c.setResult(&CounterResult{Reason: c.reason(err)})
		c.core.Refused(err)
		return progress, true
	}
	online := !strings.Contains(tok, "~")
	if !online {
		c.mu.Lock()
		stale := c.cfg.Now().Sub(c.refreshed) >= c.cfg.RefreshEvery
		c.mu.Unlock()
		if stale {
			c.Refresh() // a revocation made since the last refresh must count
		}
	}
	var out *CounterResult
	if res, err := c.core.Verify(context.Background(), tok); err != nil {
		out = &CounterResult{Reason: c.reason(err)}
	} else {
		out = newCounterResult(res)
	}
	out.Revocations, out.RevocationsStale = c.revocationNote(online)
	c.setResult(out)
	return progress, true
}

// typingProblem recognises a part the keyboard changed on its way from
// the scanner: typed through a Vietnamese input method (Telex/VNI turn
// letter pairs and letter+digit into Vietnamese letters, which the code's
// alphabet has none of: not repairable), or with CapsLock on (every
// letter's case swapped: repaired, fixed is the part as printed). problem
// is what to tell the official; "" if the text looks as a scanner types.
func typingProblem(text string) (fixed, problem string) {
	for _, r := range text {
		if r > unicode.MaxASCII && unicode.IsLetter(r) {
			return "", lang.L("The Vietnamese keyboard (Unikey/EVKey) is on and changed the code. Turn off Vietnamese typing, then scan this code again.")
		}
	}
	if !strings.HasPrefix(text, qrtext.Prefix) && strings.HasPrefix(swapCase(text), qrtext.Prefix) {
		return swapCase(text), lang.L("CapsLock is on: the code was read anyway; turn CapsLock off.")
	}
	return "", ""
}

func swapCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

// revocationNote is the line every verdict shows about revocations.
func (c *Counter) revocationNote(online bool) (string, bool) {
	if online {
		return lang.L("Revocation checked at the warehouse just now."), false
	}
	st := c.core.RevocationStatus()
	now := c.cfg.Now
	switch {
	case !st.Have:
		return lang.L("No revocation list yet: this counter cannot know whether the citizen revoked this consent. Connect to the warehouse and press Refresh."), true
	case st.Stale:
		return lang.L("The revocation list is {{.Age}} old (updated {{.At}}): a consent revoked since then is not known here. Press Refresh when the network is back.",
			map[string]any{"Age": PlainAge(now().Sub(st.AsOf)), "At": st.AsOf.Local().Format("15:04 02/01/2006")}), true
	}
	return lang.L("Revocation list updated {{.At}} ({{.Age}} ago).", map[string]any{"Age": PlainAge(now().Sub(st.AsOf)), "At": st.AsOf.Local().Format("15:04 02/01/2006")}), false
}

// PlainAge says a duration the way people do: minutes, hours or days.
func PlainAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return lang.L("under a minute")
	case d < time.Hour:
		return lang.L("{{.N}} min", map[string]any{"N": int(d / time.Minute)})
	case d < 48*time.Hour:
		return lang.L("{{.N}} h", map[string]any{"N": int(d / time.Hour)})
	}
	return lang.L("{{.N}} days", map[string]any{"N": int(d / (24 * time.Hour))})
}

// ReadImage decodes one QR from a photo or screenshot and scans it.
func (c *Counter) ReadImage(img image.Image) (string, bool, error) {
	text, err := qrtext.ReadImage(img)
	if err != nil {
		return "", false, errors.New(lang.L("No readable QR code in that image. Try a sharper photo."))
	}
	p, done := c.Scan(text)
	return p, done, nil
}

// Reset forgets parts read so far.
func (c *Counter) Reset() {
	c.mu.Lock()
	c.asm.Reset()
	c.mu.Unlock()
}

// newCounterResult names the procedure and purpose from the catalogue
// and puts the fields in the order of the procedure's form: records in
// the order the form first asks for them, each record's fields as the
// form lists them, fields the form does not list (added by the citizen)
// after, in their record type's order.
func newCounterResult(res *consent.Result) *CounterResult {
	out := &CounterResult{Valid: true, ConsentID: res.ID, ProcedureCode: res.Procedure, Procedure: res.Procedure, Purpose: res.Purpose,
		Expires: res.Expires.Local().Format("02/01/2006 15:04")}
	var form []wallet.ProcedureField
	if res.Procedure == wallet.OtherProcedure {
		out.Procedure = lang.L("Another procedure (fields chosen by the citizen)")
		out.Purpose = lang.L("as the citizen states it")
	} else if cat, err := assets.Procedures(); err == nil {
		if p, ok := cat.Lookup(res.Procedure); ok {
			out.Procedure = Localized(p.Name)
			if p.Purpose.Code == res.Purpose {
				out.Purpose = Localized(p.Purpose.Text)
			}
			out.Retention = Localized(p.Retention)
			form = p.Fields
		}
	}
	rank := func(f consent.Field) int {
		if i := slices.IndexFunc(form, func(pf wallet.ProcedureField) bool { return pf.Type == f.Type && pf.Claim == f.Claim }); i >= 0 {
			return i
		}
		i := len(form) + 1000
		if t, ok := wallet.LookupType(f.Type); ok {
			i += slices.IndexFunc(t.Fields, func(fd wallet.Field) bool { return fd.Name == f.Claim })
		}
		return i
	}
	// Records are told apart by their place in the token (Field.Record):
	// their ids are hidden unless shared.
	first := map[int]int{} // record → its best-ranked field
	for _, f := range res.Fields {
		if r, ok := first[f.Record]; !ok || rank(f) < r {
			first[f.Record] = rank(f)
		}
	}
	fields := slices.Clone(res.Fields)
	slices.SortStableFunc(fields, func(a, b consent.Field) int {
		if a.Record != b.Record {
			if d := first[a.Record] - first[b.Record]; d != 0 {
				return d
			}
			return a.Record - b.Record
		}
		return rank(a) - rank(b)
	})
	out.fields = fields
	var g *FieldGroup
	last := 0
	// An address's members shown (a structured object, wallet.Object)
	// are one row of their group, written as one line; the export keeps
	// them apart (out.fields).
	type objectRow struct {
		row    int
		claims wallet.Claims
	}
	var objects map[string]*objectRow // the current group's, by object
	for _, f := range fields {
		if f.Record != last {
			title := f.Type
			if t, ok := wallet.LookupType(f.Type); ok {
				title = Localized(t.Label)
			}
			issuer := f.IssuerName.VI
			if lang.L("lang.code") == "en" && f.IssuerName.EN != "" {
				issuer = f.IssuerName.EN
			}
			out.Groups = append(out.Groups, FieldGroup{Title: title, Issuer: issuer})
			g = &out.Groups[len(out.Groups)-1]
			last = f.Record
			objects = map[string]*objectRow{}
		}
		cf := counterField(f)
		if t, ok := wallet.LookupType(f.Type); ok {
			if o, ok := t.ObjectOf(f.Claim); ok {
				r := objects[o.Name]
				if r == nil {
					r = &objectRow{row: len(g.Fields), claims: wallet.Claims{}}
					objects[o.Name] = r
					g.Fields = append(g.Fields, CounterField{Label: Localized(o.Label)})
				}
				r.claims[f.Claim] = f.Value
				g.Fields[r.row].Value = o.Line(r.claims)
				continue
			}
		}
		g.Fields = append(g.Fields, cf)
		value := cf.Value
		switch {
		case f.Claim == "full_name" && out.Name == "":
			out.Name = value
		case f.Claim == "birth_date" && out.BirthDate == "":
			out.BirthDate = value
		}
	}
	for _, g := range out.Groups {
		if !slices.Contains(out.Vouchers, g.Issuer) {
			out.Vouchers = append(out.Vouchers, g.Issuer)
		}
	}
	out.Withdrawals, out.WithdrawalsUnchecked = withdrawalNote(res)
	return out
}

// withdrawalNote says how the agencies' withdrawals were checked for a
// verified token's records (consent.Result.Statuses, one per record in
// the order presented, so Statuses[i] is record i+1 of Field.Record): the
// age of the oldest list a record was checked against, and, for each
// record that could not be checked, which and why, naming its agency.
// unchecked reports such a record.
func withdrawalNote(res *consent.Result) (note string, unchecked bool) {
	type rec struct{ title, agency string }
	recs := map[int]rec{}
	for _, f := range res.Fields {
		if _, ok := recs[f.Record]; ok {
			continue
		}
		r := rec{title: f.Type, agency: f.IssuerName.VI}
		if t, ok := wallet.LookupType(f.Type); ok {
			r.title = Localized(t.Label)
		}
		if isEnglish() && f.IssuerName.EN != "" {
			r.agency = f.IssuerName.EN
		}
		if r.agency == "" {
			r.agency = f.Issuer
		}
		recs[f.Record] = r
	}
	var lines []string
	var oldest time.Duration
	checked := false
	for i, st := range res.Statuses {
		if st.Checked {
			checked, oldest = true, max(oldest, st.Age)
			continue
		}
		unchecked = true
		r, ok := recs[i+1]
		if !ok {
			r = rec{title: lang.L("a record"), agency: st.Issuer}
		}
		args := map[string]any{"Record": r.title, "Agency": r.agency, "Age": PlainAge(st.Age)}
		switch {
		case st.URI == "":
			lines = append(lines, lang.L("Could not check whether the {{.Record}} was withdrawn (it carries nothing to check it against).", args))
		case st.Age > 0:
			lines = append(lines, lang.L("Could not check whether the {{.Record}} was withdrawn (this computer's list of {{.Agency}} is out of date: updated {{.Age}} ago). Press Refresh when the network is back.", args))
		default:
			lines = append(lines, lang.L("Could not check whether the {{.Record}} was withdrawn (this computer does not have the list of {{.Agency}} yet). Press Refresh when the network is back.", args))
		}
	}
	if checked {
		lines = append([]string{lang.L("Withdrawals checked against the list updated {{.Age}} ago.", map[string]any{"Age": PlainAge(oldest)})}, lines...)
	}
	return strings.Join(lines, "\n"), unchecked
}

func (c *Counter) setResult(r *CounterResult) {
	c.mu.Lock()
	c.last, c.shown = r, c.cfg.Now()
	c.mu.Unlock()
}

// Result is the last verification's result (nil before the first).
func (c *Counter) Result() *CounterResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// ExportField is one verified field as JSON and CSV exports carry it,
// in the procedure's form order.
type ExportField struct {
	RecordType string `json:"record_type"`
	Record     int    `json:"record"`              // the record's place in the token, from 1
	RecordID   string `json:"record_id,omitempty"` // only when the citizen shared it
	Claim      string `json:"claim"`
	Label      string `json:"label"` // the field's name in the app's language
	Value      any    `json:"value"`
	Issuer     string `json:"issuer"` // agency id that signed the record
}

func (r *CounterResult) export() []ExportField {
	out := make([]ExportField, 0, len(r.fields))
	for _, f := range r.fields {
		label := f.Claim
		if t, ok := wallet.LookupType(f.Type); ok {
			if fd, ok := t.Field(f.Claim); ok {
				label = Localized(fd.Label)
			}
		}
		out = append(out, ExportField{f.Type, f.Record, f.RecordID, f.Claim, label, f.Value, f.Issuer})
	}
	return out
}

// LogRow is one verification in the counter's own log.
type LogRow struct {
	At        string // local time
	Valid     bool
	Procedure string // name from the catalogue, or the code
	Fields    int
	Reason    string // why it was refused
	ConsentID string
	ScanError bool // a scan that went wrong, not a verdict
}

// Log returns the counter's most recent verifications, newest first (at
// most limit), with procedures by name and refusals in plain words.
func (c *Counter) Log(limit int) ([]LogRow, error) {
	entries, err := c.core.Log(limit)
	if err != nil {
		return nil, err
	}
	cat, _ := assets.Procedures()
	out := make([]LogRow, 0, len(entries))
	for _, e := range entries {
		row := LogRow{At: e.At.Local().Format("02/01/2006 15:04:05"), Valid: e.Valid, Procedure: e.Procedure, Fields: e.Fields, Reason: e.Explained, ConsentID: e.ConsentID,
			ScanError: e.ScanError}
		if row.Reason == "" {
			row.Reason = e.Reason
		}
		if cat != nil {
			if p, ok := cat.Lookup(e.Procedure); ok {
				row.Procedure = Localized(p.Name)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// JSON exports a valid result's fields, to prefill the procedure's form.
func (r *CounterResult) JSON() ([]byte, error) {
	return json.MarshalIndent(struct {
		ConsentID     string        `json:"consent_id"`
		Procedure     string        `json:"procedure"`
		ProcedureName string        `json:"procedure_name"`
		Purpose       string        `json:"purpose"`
		Fields        []ExportField `json:"fields"`
	}{r.ConsentID, r.ProcedureCode, r.Procedure, r.Purpose, r.export()}, "", "  ")
}

// CSV exports the fields, one row each, in the procedure's form order.
func (r *CounterResult) CSV() []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff") // a UTF-8 BOM: Excel then reads the Vietnamese right
	w := csv.NewWriter(&b)
	w.Write([]string{"record_type", "record", "record_id", "claim", "label", "value", "issuer"})
	for _, f := range r.export() {
		v := fmt.Sprint(f.Value)
		if s, ok := f.Value.(string); ok {
			v = s
		} else if j, err := json.Marshal(f.Value); err == nil {
			v = string(j) // lists and objects stay machine-readable
		}
		w.Write([]string{f.RecordType, strconv.Itoa(f.Record), f.RecordID, f.Claim, f.Label, v, f.Issuer})
	}
	w.Flush()
	return b.Bytes()
}

// Text is the verified fields as "label: value" lines, in the form's
// order, for pasting into the procedure's form (Copy all).
func (r *CounterResult) Text() string {
	var b strings.Builder
	for _, g := range r.Groups {
		for _, f := range g.Fields {
			b.WriteString(f.Label + ": " + f.Value)
			if f.Code != "" {
				b.WriteString(" (" + f.Code + ")")
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// reason is counterReason naming the agency of the record the refusal
// is about (agencyOf).
func (c *Counter) reason(err error) string {
	return refusal(err, c.agencyOf(err))
}

// agencyOf names the agency a refusal is about: the record the verifier
// names (consent.RecordError) and its agency in the trust list held; ""
// when the refusal is about no one record or the agency is not listed.
func (c *Counter) agencyOf(err error) string {
	var re *consent.RecordError
	if !errors.As(err, &re) || re.Issuer == "" {
		return ""
	}
	if iss, ok := c.core.Issuer(re.Issuer); ok {
		return agencyName(iss)
	}
	return ""
}

// counterReason says why a token is not accepted, in plain words.
func counterReason(err error) string { return refusal(err, "") }

// refusal is counterReason; agency, when not "", names the agency a
// withdrawal, suspension or compromised key is about.
func refusal(err error, agency string) string {
	var se *client.ServerError
	named := map[string]any{"Agency": agency}
	switch {
	// The agencies' own verdicts on a record, first: they are why the
	// token fails whatever else it says.
	case errors.Is(err, consent.ErrWithdrawn) && agency != "":
		return lang.L("This document has been withdrawn by {{.Agency}} and is no longer valid. Do not accept it.", named)
	case errors.Is(err, consent.ErrWithdrawn):
		return lang.L("This document has been withdrawn by the agency that issued it and is no longer valid. Do not accept it.")
	case errors.Is(err, consent.ErrSuspended) && agency != "":
		return lang.L("This document is suspended by {{.Agency}} and cannot be used for now. Do not accept it; the citizen should ask that agency.", named)
	case errors.Is(err, consent.ErrSuspended):
		return lang.L("This document is suspended by the agency that issued it and cannot be used for now. Do not accept it; the citizen should ask that agency.")
	case errors.Is(err, consent.ErrStatus):
		return lang.L("This document's withdrawal check does not hold (it points to a list that is not its agency's). Do not accept it.")
	case errors.Is(err, consent.ErrKeyCompromised) && agency != "":
		return lang.L("This document was signed with a key of {{.Agency}} that has leaked: its signature proves nothing. Do not accept this copy; if the document is the citizen's, ask them to sync the app (Sync) for a new copy and share again.", named)
	case errors.Is(err, consent.ErrKeyCompromised):
		return lang.L("This document was signed with an agency key that has leaked: its signature proves nothing. Do not accept this copy; if the document is the citizen's, ask them to sync the app (Sync) for a new copy and share again.")
	case errors.Is(err, consent.ErrCredentialExpired):
		return lang.L("The electronic copy of a document on the citizen's phone has expired: the app has not synced for a long time. The document itself may be fine. Ask the citizen to open the app where there is signal, press Sync, then share again.")
	case errors.Is(err, consent.ErrSpliced):
		return lang.L("The documents in this code were not shared together: the code was put together from other codes. Do not accept it.")
	case errors.Is(err, counter.ErrNoTrustList):
		return lang.L("Offline and no trust list yet: connect once to the warehouse before verifying.")
	case errors.Is(err, qrtext.ErrMixedParts):
		return lang.L("These codes belong to two different shares. Start again with one person's codes.")
	case errors.Is(err, qrtext.ErrNotOurs), errors.Is(err, consent.ErrQR), errors.Is(err, qrtext.ErrInvalid):
		return lang.L("This is not a citizen wallet code, or it was read wrongly. Scan it again.")
	case errors.Is(err, consent.ErrAudience):
		return lang.L("This code was made for another office. Ask the citizen to share with this office.")
	case errors.Is(err, consent.ErrExpired):
		return lang.L("This code has expired. Ask the citizen to share again.")
	case errors.Is(err, consent.ErrNotYetValid):
		return lang.L("This code is not valid yet: check this computer's clock.")
	case errors.Is(err, consent.ErrReplay):
		return lang.L("This code was already used here. Ask the citizen for a new one.")
	case errors.Is(err, consent.ErrRevoked):
		return lang.L("The citizen revoked this consent.")
	case errors.Is(err, consent.ErrUnknownIssuer), errors.Is(err, consent.ErrIssuerKey):
		return lang.L("A record is signed by an agency this office does not trust. Refresh the trust list; if it persists, do not accept it.")
	case errors.Is(err, consent.ErrForged), errors.Is(err, consent.ErrNoBinding):
		return lang.L("The data does not match its signatures: it was altered. Do not accept it.")
	case errors.Is(err, client.ErrOffline):
		return lang.L("This is an online code and the warehouse cannot be reached. Ask the citizen for an offline code.")
	case errors.As(err, &se) && se.Code == protocol.ErrCodeDeviceOff:
		return lang.L("This code was made on a phone reported lost. Do not accept it.")
	case errors.As(err, &se) && se.Code == protocol.ErrCodeUsed:
		return lang.L("This code was already used. Ask the citizen for a new one.")
	case errors.As(err, &se) && se.Code == protocol.ErrCodeRevoked:
		return lang.L("The citizen revoked this consent.")
	case errors.As(err, &se) && se.Code == protocol.ErrCodeAudience:
		return lang.L("This code was made for another office. Ask the citizen to share with this office.")
	case errors.As(err, &se) && se.Code == protocol.ErrCodeExpired:
		return lang.L("This code has expired. Ask the citizen to share again.")
	}
	return fmt.Sprintf("%s (%v)", lang.L("The code could not be verified."), err)
}

// CameraErrorText says why the camera could not be used, and what to do.
func CameraErrorText(err error) string {
	switch {
	case errors.Is(err, camera.ErrNoCamera):
		return lang.L("No camera was found. Plug in a webcam, or use the scanner or Open images.")
	case errors.Is(err, camera.ErrBusy):
		return lang.L("The camera is in use by another program. Close it and try again.")
	case errors.Is(err, camera.ErrNoPermission):
		return lang.L("This computer does not let the app use the camera. Allow it in the system's privacy settings.")
	case errors.Is(err, camera.ErrDisconnected):
		return lang.L("The camera was disconnected. The codes read so far are kept; plug it in and start the camera again.")
	case errors.Is(err, camera.ErrUnsupported):
		return lang.L("This build of the app cannot use a camera. Use the scanner or Open images.")
	}
	return lang.L("The camera stopped: {{.Err}}", map[string]any{"Err": err.Error()})
}
