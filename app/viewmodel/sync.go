package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Warehouse is where the app enrols and syncs.
type Warehouse struct {
	BaseURL string
	RootKey *keys.PublicKey
	// DemoCode, set only with the embedded demo warehouse, makes an
	// enrolment code for a citizen: it stands in for the VNeID level-2
	// login that gives the code in production.
	DemoCode func(citizenID string) (string, error)
	// DemoCitizen, set only in demo mode, returns the i-th citizen of the
	// demo province, which the create screen can fill in (the phone's
	// i-th profile gets the i-th citizen).
	DemoCitizen func(i int) (wallet.Profile, bool)
}

// SetWarehouse configures enrolment and sync.
func (w *Wallet) SetWarehouse(wh Warehouse) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.wh = wh
}

// Demo reports whether the app runs against the embedded demo warehouse.
func (w *Wallet) Demo() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.wh.DemoCode != nil
}

// DemoCitizen returns the demo citizen to prefill in the create screen
// (a different one for each new profile), if in demo mode.
func (w *Wallet) DemoCitizen() (wallet.Profile, bool) {
	w.mu.Lock()
	next := w.wh.DemoCitizen
	w.mu.Unlock()
	if next == nil {
		return wallet.Profile{}, false
	}
	list, _ := w.Profiles()
	return next(len(list))
}

func (w *Wallet) client() (*client.Client, error) {
	w.mu.Lock()
	wh := w.wh
	w.mu.Unlock()
	if wh.BaseURL == "" || wh.RootKey == nil {
		return nil, errors.New(lang.L("No warehouse is configured. Set its address in Settings."))
	}
	// The client's defaults: a request fails only when no byte moves for
	// 20 s (a 1 KB/s link finishes), pages sized by the link.
	return client.New(client.Config{BaseURL: wh.BaseURL, RootKey: wh.RootKey, Attempts: 3})
}

// Enrolled reports whether this profile's device is enrolled.
func (w *Wallet) Enrolled() bool {
	s, err := w.open()
	if err != nil {
		return false
	}
	_, err = client.DeviceKey(context.Background(), s)
	return err == nil
}

// Enrol binds this device to the citizen with an enrolment code.
func (w *Wallet) Enrol(code string) error { return w.EnrolContext(context.Background(), code) }

// EnrolContext is Enrol that stops when ctx is cancelled (the citizen
// tapped Cancel): it may wait on the network, so the UI calls it off its
// goroutine.
func (w *Wallet) EnrolContext(ctx context.Context, code string) error {
	s, err := w.open()
	if err != nil {
		return errors.New(ErrorText(err))
	}
	c, err := w.client()
	if err != nil {
		return err
	}
	if _, err := c.Enrol(ctx, s, code, "citizenwallet"); err != nil {
		if ctx.Err() != nil {
			return errors.New(lang.L("Cancelled. Nothing was changed; try again when you are ready."))
		}
		return errors.New(SyncErrorText(err))
	}
	return nil
}

// DemoEnrol enrols with a code from the embedded demo warehouse.
func (w *Wallet) DemoEnrol() error { return w.DemoEnrolContext(context.Background()) }

// DemoEnrolContext is DemoEnrol that stops when ctx is cancelled.
func (w *Wallet) DemoEnrolContext(ctx context.Context) error {
	w.mu.Lock()
	demoCode := w.wh.DemoCode
	w.mu.Unlock()
	p, err := w.Profile()
	if err != nil || demoCode == nil {
		return errors.New(lang.L("Demo enrolment is not available."))
	}
	code, err := demoCode(p.CitizenID)
	if err != nil {
		return errors.New(lang.L("This citizen is not in the demo province."))
	}
	return w.EnrolContext(ctx, code)
}

// SyncProgress is a sync's progress for the progress bar.
type SyncProgress struct {
	Fraction float64 // 0..1 of the feed
	Known    bool    // false before the first page: show activity, not 0 %
	Text     string  // "Đã nhận 12 giấy tờ…"
}

// Syncing reports whether a sync is running.
func (w *Wallet) Syncing() bool { return w.syncing.Load() }

// SyncDue reports whether the profile is enrolled, no sync is running,
// and the last complete sync is older than after (or there was none).
func (w *Wallet) SyncDue(now time.Time, after time.Duration) bool {
	if w.syncing.Load() || !w.Enrolled() {
		return false
	}
	s, err := w.open()
	if err != nil {
		return false
	}
	last, err := client.LastSync(context.Background(), s)
	return err == nil && now.Sub(last) >= after
}

// Sync pulls new records and consent updates; progress is called after
// each stored page. It returns a sentence for the status line. One sync
// runs at a time: another one meanwhile is refused.
func (w *Wallet) Sync(progress func(SyncProgress)) (string, error) {
	return w.SyncContext(context.Background(), progress)
}

// SyncContext is Sync that stops when ctx is cancelled (the citizen
// tapped Cancel); the pages stored so far stay.
func (w *Wallet) SyncContext(ctx context.Context, progress func(SyncProgress)) (string, error) {
	if !w.syncing.CompareAndSwap(false, true) {
		return "", errors.New(lang.L("A sync is already running."))
	}
	defer w.syncing.Store(false)
	s, err := w.open()
	if err != nil {
		return "", errors.New(ErrorText(err))
	}
	c, err := w.client()
	if err != nil {
		return "", err
	}
	res, err := c.Sync(ctx, s, wallet.ProgressFunc(func(p wallet.SyncProgress) {
		if progress == nil {
			return
		}
		f, known := p.Fraction()
		progress(SyncProgress{Fraction: f, Known: known, Text: lang.L("Received {{.N}} records so far…", map[string]any{"N": p.Records})})
	}))
	if err != nil {
		msg := SyncErrorText(err)
		if ctx.Err() != nil {
			msg = lang.L("Sync stopped.")
		}
		if res.Records > 0 {
			msg += " " + lang.L("{{.N}} records were saved; the next sync continues from there.", map[string]any{"N": res.Records})
		}
		return "", errors.New(msg)
	}
	if h, err := wallet.OpenConsentHistory(ctx, s); err == nil {
		_, _ = c.SyncConsents(ctx, s, h, time.Now())
	}
	text := syncResultText(res)
	if len(res.Rejected) > 0 {
		text += " " + lang.L("{{.N}} records failed their signature check and were not saved.", map[string]any{"N": len(res.Rejected)})
	}
	return text, nil
}

// syncResultText says what a sync changed, in the citizen's records.
func syncResultText(res client.Result) string {
	var parts []string
	if res.New > 0 {
		parts = append(parts, lang.L("{{.N}} new", map[string]any{"N": res.New}))
	}
	if res.Updated > 0 {
		parts = append(parts, lang.L("{{.N}} updated", map[string]any{"N": res.Updated}))
	}
	if res.Withdrawn > 0 {
		parts = append(parts, lang.L("{{.N}} withdrawn by the issuing agency", map[string]any{"N": res.Withdrawn}))
	}
	text := lang.L("Your records are up to date.")
	if len(parts) > 0 {
		text = lang.L("Received: {{.Changes}}.", map[string]any{"Changes": strings.Join(parts, ", ")})
	}
	if res.Held >= 0 {
		text += " " + lang.L("You have {{.N}} records on this phone.", map[string]any{"N": res.Held})
	}
	return text
}

// LastSync describes when the last complete sync was.
func (w *Wallet) LastSync() string {
	s, err := w.open()
	if err != nil {
		return ""
	}
	t, err := client.LastSync(context.Background(), s)
	if err != nil || t.IsZero() {
		return lang.L("Never synced.")
	}
	return lang.L("Last synced {{.When}}.", map[string]any{"When": t.Local().Format("02/01/2006 15:04")})
}

// SyncErrorText explains a sync or enrolment failure and what to do.
func SyncErrorText(err error) string {
	var se *client.ServerError
	switch {
	case errors.Is(err, client.ErrOffline):
		return lang.L("No connection to the provincial data warehouse. Your records on this phone are unchanged; sync again when you have signal.")
	case errors.Is(err, client.ErrNotEnrolled):
		return lang.L("This phone is not enrolled yet. Enter the enrolment code first.")
	case errors.As(err, &se) && se.Code == protocol.ErrCodeDeviceOff:
		return lang.L("This phone was disabled at the warehouse (reported lost). Your records stay readable here; to sync again, create a profile and enrol it with a new code.")
	case errors.As(err, &se) && se.Code == protocol.ErrCodeBadCode:
		return lang.L("The enrolment code is wrong, used or expired. Ask for a new code.")
	case errors.Is(err, client.ErrRefused), errors.Is(err, client.ErrBadResponse):
		return fmt.Sprintf("%s (%v)", lang.L("The warehouse did not accept the request. Try again later; if it keeps failing, ask the commune digital team."), err)
	}
	return ErrorText(err)
}
