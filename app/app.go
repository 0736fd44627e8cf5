// Package app is the Fyne user interface: the root window and navigation
// between screens. Screens live in app/views, their state and commands in
// app/viewmodel; nothing here stores, fetches or signs anything itself.
package app

import (
	"log"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/app/views"
	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Preference keys: the device's settings, kept by Fyne per app (not per
// profile, and not secret).
const (
	PrefLanguage         = "language"          // "vi" or "en"
	PrefAutoLockMinutes  = "autolock.minutes"  // idle minutes before locking
	PrefWarehouseAddress = "warehouse.address" // a checked address of the province's warehouse
)

// Language returns the language chosen in the settings, or "" when none
// was (assets.UseLanguage then picks Vietnamese).
func Language(a fyne.App) string { return a.Preferences().String(PrefLanguage) }

// UI is the citizen app's window and its navigation.
type UI struct {
	App    fyne.App
	Window fyne.Window
	Wallet *viewmodel.Wallet
	// AutoLock locks the wallet after this long without use (default 5
	// minutes).
	AutoLock time.Duration
	// LockOnBackground locks the wallet when the app leaves the
	// foreground (set on phones, where the OS may show or keep the last
	// screen).
	LockOnBackground bool
	// AutoSyncAfter: when home opens and the last complete sync is older
	// than this, a sync starts by itself (offline, it says so and the
	// records stay). Zero turns it off.
	AutoSyncAfter time.Duration
	// OnSynced, if set, runs after each sync the home screen ran.
	OnSynced func()
	// OnAddressChecked, if set, runs after each warehouse address check
	// in the settings.
	OnAddressChecked func()
	// Now is the clock for auto-lock and auto-sync; tests replace it.
	Now func() time.Time
	// ManualClock leaves the screens' own clocks (the QR screen's cycling
	// and countdown) stopped: a test steps them itself, on its goroutine.
	ManualClock bool
	lastActive  time.Time
	lastAutoTry time.Time // the last automatic sync started
	// shown is the screen on show, returned to after an unlock; qrUntil
	// is when the QR on show stops being valid (zero: none on show).
	shown   fyne.CanvasObject
	qrUntil time.Time
	// leave stops what the screen on show runs (the QR's clock) when
	// another screen replaces it.
	leave func()
	// screenOn: the app asked the platform to keep the screen on (a valid
	// QR is on show).
	screenOn bool
}

// ScreenKeptOn reports whether the app is asking the platform to keep
// the screen on: exactly while a QR still valid is on show.
func (ui *UI) ScreenKeptOn() bool { return ui.screenOn }

// keepScreenOn asks the platform to keep the screen on (or lets it dim
// and lock again): Fyne's Driver.SetDisableScreenBlanking, which sets
// FLAG_KEEP_SCREEN_ON on Android, idleTimerDisabled on iOS, and inhibits
// the screen saver on Linux (org.freedesktop.ScreenSaver), Windows
// (SetThreadExecutionState) and macOS (docs/packaging.md).
func (ui *UI) keepScreenOn(on bool) {
	if ui.screenOn == on {
		return
	}
	ui.screenOn = on
	ui.App.Driver().SetDisableScreenBlanking(on)
}

// DefaultAutoLock is the idle time before the wallet locks itself.
const DefaultAutoLock = 5 * time.Minute

// DefaultAutoSync is how old the last sync may be before home syncs by
// itself.
const DefaultAutoSync = 30 * time.Minute

// AutoSyncRetry is the least time between two automatic syncs, so that
// with no signal going back to home does not start a sync every time.
const AutoSyncRetry = 5 * time.Minute

// New makes the main window for the wallet and shows the first screen
// (create the profile, or unlock it). It locks the wallet after
// AutoLock without use and, on phones, when the app goes to the
// background.
func New(a fyne.App, w *viewmodel.Wallet) *UI {
	ui := &UI{App: a, Window: a.NewWindow(lang.L("Citizen data wallet")), Wallet: w, AutoLock: DefaultAutoLock, AutoSyncAfter: DefaultAutoSync, Now: time.Now,
		LockOnBackground: fyne.CurrentDevice().IsMobile()}
	if m := a.Preferences().Int(PrefAutoLockMinutes); m > 0 {
		ui.AutoLock = time.Duration(m) * time.Minute
	}
	ui.Window.Resize(fyne.NewSize(390, 700))
	ui.Touch()
	a.Lifecycle().SetOnExitedForeground(func() {
		if ui.LockOnBackground && ui.Wallet.Unlocked() {
			ui.Lock()
		}
	})
	ui.Window.Canvas().SetOnTypedKey(func(*fyne.KeyEvent) { ui.Touch() })
	views.Used = ui.Touch // a tap on any button, check box, choice or code is use
	ui.Start()
	return ui
}

// Touch records use of the app (navigation, typing, taps), pushing back
// the auto-lock.
func (ui *UI) Touch() { ui.lastActive = ui.Now() }

// CheckIdle locks the wallet when it has not been used for AutoLock,
// except while a QR still valid is on show (the citizen is waiting in a
// queue with it) or a sync is running (its result stays to be seen). The
// app calls it periodically (StartIdleTimer); tests call it directly.
func (ui *UI) CheckIdle() {
	now := ui.Now()
	if ui.screenOn && !now.Before(ui.qrUntil) {
		ui.keepScreenOn(false) // the QR expired: the phone may dim again
	}
	if !ui.Wallet.Unlocked() || ui.AutoLock <= 0 || now.Sub(ui.lastActive) < ui.AutoLock {
		return
	}
	if now.Before(ui.qrUntil) || ui.Wallet.Syncing() {
		return
	}
	ui.Lock()
}

// StartIdleTimer checks for idleness every 15 seconds until stop is
// closed.
func (ui *UI) StartIdleTimer(stop <-chan struct{}) { every(15*time.Second, stop, ui.CheckIdle) }

// every runs f on the UI goroutine every d until stop is closed.
func every(d time.Duration, stop <-chan struct{}, f func()) {
	t := time.NewTicker(d)
	go func() {
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fyne.Do(f)
			}
		}
	}()
}

// show puts a screen in the window: a readable column on desktops, the
// whole width on phones. It is the screen an unlock returns to.
func (ui *UI) show(o fyne.CanvasObject) {
	if ui.leave != nil {
		ui.leave()
		ui.leave = nil
	}
	ui.shown, ui.qrUntil = o, time.Time{}
	ui.Window.SetContent(views.Readable(o))
}

// Start shows the create or unlock screen. After an unlock the screen
// on show before the lock comes back as it was (a QR, a sync running or
// its result); the first time, home.
func (ui *UI) Start() {
	ui.Touch()
	if ui.Wallet.HasProfile() {
		back, until, whose, leave := ui.shown, ui.qrUntil, ui.Wallet.Current().ID, ui.leave
		u := views.NewUnlock(ui.Wallet, ui.Window, func() {
			ui.Touch()
			if back == nil || ui.Wallet.Current().ID != whose { // another profile was chosen
				ui.Home()
				return
			}
			ui.leave = nil // the screen comes back with what it runs
			ui.show(back)
			ui.qrUntil, ui.leave = until, leave
			if ui.Now().Before(until) {
				ui.keepScreenOn(true) // the QR is back
			}
			back.Refresh()
		})
		ui.Window.SetContent(views.Readable(u.Root))
		ui.Window.Canvas().Focus(u.PIN) // type at once, on a desktop too
		return
	}
	ui.shown = nil
	ui.Window.SetContent(views.Readable(views.NewCreate(ui.Wallet, ui.Home).Root))
}

// Home shows the record domains.
func (ui *UI) Home() {
	ui.Touch()
	h := views.NewHome(ui.Wallet, ui.Domain, ui.Lock)
	h.OnShare = ui.Share
	h.OnHistory = ui.History
	h.OnSettings = ui.Settings
	h.OnSynced = func() {
		if ui.OnSynced != nil {
			ui.OnSynced()
		}
	}
	ui.show(h.Root)
	// Wrapped labels know their height only once they have a width: lay
	// out again now that the window gave them one.
	h.Root.Refresh()
	now := ui.Now()
	if ui.AutoSyncAfter > 0 && now.Sub(ui.lastAutoTry) >= AutoSyncRetry && ui.Wallet.SyncDue(now, ui.AutoSyncAfter) {
		ui.lastAutoTry = now
		h.SyncNow(ui.Wallet)
	}
}

// Domain shows one domain's records.
func (ui *UI) Domain(d wallet.Domain) {
	ui.Touch()
	ui.show(views.NewRecordList(ui.Wallet, d, ui.Home, func(id string) { ui.Record(d, id) }).Root)
}

// History shows every consent and its uses.
func (ui *UI) History() {
	ui.Touch()
	h := views.NewHistory(ui.Wallet, ui.Window, ui.Home, ui.ShowQR)
	ui.show(h.Root)
	h.Root.Refresh()
}

// Share shows the share screen.
func (ui *UI) Share() {
	ui.Touch()
	s := views.NewShare(ui.Wallet, ui.Home, ui.ShowQR)
	ui.show(s.Root)
}

// ShowQR shows a shared token until the citizen taps Done.
func (ui *UI) ShowQR(q *viewmodel.SharedQR) {
	ui.Touch()
	stop := make(chan struct{})
	v := views.NewQR(q, ui.Home)
	ui.show(v.Root)
	if !ui.ManualClock {
		v.Run(stop)
	}
	ui.leave = sync.OnceFunc(func() { close(stop); ui.keepScreenOn(false) })
	ui.qrUntil = q.Expires // no idle lock while it can still be used
	if ui.Now().Before(q.Expires) {
		ui.keepScreenOn(true) // nor a dimmed or locked phone in the queue
	}
	v.Root.Refresh() // wrapped hint: lay out again with its width
}

// Settings shows the settings screen.
func (ui *UI) Settings() {
	ui.Touch()
	code := lang.L("lang.code")
	if code != "en" {
		code = "vi"
	}
	s := views.NewSettings(ui.Wallet, views.SettingsActions{
		Language:   code,
		OnLanguage: ui.SetLanguage,
		AutoLock:   ui.AutoLock,
		OnAutoLock: func(d time.Duration) {
			ui.AutoLock = d
			ui.App.Preferences().SetInt(PrefAutoLockMinutes, int(d/time.Minute))
		},
		OnAddress: func(addr string) {
			if !ui.Wallet.WarehouseInfo().Demo { // the demo's port changes every run
				ui.App.Preferences().SetString(PrefWarehouseAddress, addr)
			}
		},
		OnChecked: func() {
			if ui.OnAddressChecked != nil {
				ui.OnAddressChecked()
			}
		},
		OnSwitch:     ui.SwitchProfile,
		OnAddProfile: ui.AddProfile,
		OnBack:       ui.Home,
	})
	ui.show(s.Root)
	s.Root.Refresh()
}

// SetLanguage switches the app to "vi" or "en", keeps the choice and
// shows the settings again in the new language.
func (ui *UI) SetLanguage(code string) {
	if err := assets.UseLanguage(code); err != nil {
		log.Printf("language %s: %v", code, err)
		return
	}
	ui.App.Preferences().SetString(PrefLanguage, code)
	ui.Window.SetTitle(lang.L("Citizen data wallet"))
	ui.Settings()
}

// SwitchProfile locks the open profile and asks for the PIN of id; its
// home opens after the unlock.
func (ui *UI) SwitchProfile(id string) {
	if err := ui.Wallet.Select(id); err != nil {
		log.Printf("switch profile: %v", err)
		return
	}
	ui.shown = nil
	ui.Start()
}

// AddProfile shows the screen that adds a family member's profile; the
// new profile opens when it is made.
func (ui *UI) AddProfile() {
	ui.Touch()
	c := views.NewAddProfile(ui.Wallet, ui.Home, ui.Settings)
	ui.show(c.Root)
	c.Root.Refresh()
}

// Record shows one record; back returns to its domain.
func (ui *UI) Record(d wallet.Domain, id string) {
	ui.Touch()
	r := views.NewRecord(ui.Wallet, id, func() { ui.Domain(d) })
	ui.show(r.Root)
	r.Root.Refresh()
}

// Lock locks the wallet and returns to the unlock screen.
func (ui *UI) Lock() {
	ui.keepScreenOn(false) // the unlock screen hides the QR
	_ = ui.Wallet.Lock()
	ui.Start()
}

// CounterUI is the one-stop counter's window.
type CounterUI struct {
	Window  fyne.Window
	Counter *viewmodel.Counter
	Screen  *views.Counter
}

// NewCounter makes the counter (verifier) window, its scan field focused
// so a keyboard-wedge scanner types straight into it.
func NewCounter(a fyne.App, c *viewmodel.Counter) *CounterUI {
	ui := &CounterUI{Window: a.NewWindow(lang.L("One-stop counter")), Counter: c}
	ui.Window.Resize(fyne.NewSize(900, 700))
	ui.Screen = views.NewCounter(c, ui.Window)
	ui.Window.SetContent(ui.Screen.Root)
	ui.Screen.Root.Refresh()
	ui.Window.Canvas().Focus(ui.Screen.Scan)
	return ui
}

// StartTicker runs the counter's clock every 5 seconds until stop is
// closed: lists refreshed every RefreshEvery, a result cleared after
// IdleClear (views.Counter.Tick; tests call that directly).
func (ui *CounterUI) StartTicker(stop <-chan struct{}) {
	every(5*time.Second, stop, func() { ui.Screen.Tick(ui.Counter) })
}
