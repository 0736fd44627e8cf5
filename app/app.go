// Package app is the Fyne user interface: the root window and navigation
// between screens. Screens live in app/views, their state and commands in
// app/viewmodel; nothing here stores, fetches or signs anything itself.
package app

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/app/views"
	"github.com/vnwallet/citizenwallet/wallet"
)

// UI is the citizen app's window and its navigation.
type UI struct {
	Window fyne.Window
	Wallet *viewmodel.Wallet
	// AutoLock locks the wallet after this long without use (default 5
	// minutes).
	AutoLock time.Duration
	// LockOnBackground locks the wallet when the app leaves the
	// foreground (set on phones, where the OS may show or keep the last
	// screen).
	LockOnBackground bool
	// Now is the clock for auto-lock; tests replace it.
	Now        func() time.Time
	lastActive time.Time
}

// DefaultAutoLock is the idle time before the wallet locks itself.
const DefaultAutoLock = 5 * time.Minute

// New makes the main window for the wallet and shows the first screen
// (create the profile, or unlock it). It locks the wallet after
// AutoLock without use and, on phones, when the app goes to the
// background.
func New(a fyne.App, w *viewmodel.Wallet) *UI {
	ui := &UI{Window: a.NewWindow(lang.L("Citizen data wallet")), Wallet: w, AutoLock: DefaultAutoLock, Now: time.Now,
		LockOnBackground: fyne.CurrentDevice().IsMobile()}
	ui.Window.Resize(fyne.NewSize(390, 700))
	ui.Touch()
	a.Lifecycle().SetOnExitedForeground(func() {
		if ui.LockOnBackground && ui.Wallet.Unlocked() {
			ui.Lock()
		}
	})
	ui.Window.Canvas().SetOnTypedKey(func(*fyne.KeyEvent) { ui.Touch() })
	ui.Start()
	return ui
}

// Touch records use of the app (navigation, typing), pushing back the
// auto-lock.
func (ui *UI) Touch() { ui.lastActive = ui.Now() }

// CheckIdle locks the wallet when it has not been used for AutoLock.
// The app calls it periodically (StartIdleTimer); tests call it directly.
func (ui *UI) CheckIdle() {
	if ui.Wallet.Unlocked() && ui.AutoLock > 0 && ui.Now().Sub(ui.lastActive) >= ui.AutoLock {
		ui.Lock()
	}
}

// StartIdleTimer checks for idleness every 15 seconds until stop is
// closed.
func (ui *UI) StartIdleTimer(stop <-chan struct{}) {
	t := time.NewTicker(15 * time.Second)
	go func() {
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fyne.Do(ui.CheckIdle)
			}
		}
	}()
}

// Start shows the create or unlock screen.
func (ui *UI) Start() {
	ui.Touch()
	if ui.Wallet.HasProfile() {
		ui.Window.SetContent(views.NewUnlock(ui.Wallet, ui.Home).Root)
		return
	}
	ui.Window.SetContent(views.NewCreate(ui.Wallet, ui.Home).Root)
}

// Home shows the record domains.
func (ui *UI) Home() {
	ui.Touch()
	h := views.NewHome(ui.Wallet, ui.Domain, ui.Lock)
	h.OnShare = ui.Share
	h.OnHistory = ui.History
	ui.Window.SetContent(h.Root)
	// Wrapped labels know their height only once they have a width: lay
	// out again now that the window gave them one.
	h.Root.Refresh()
}

// Domain shows one domain's records.
func (ui *UI) Domain(d wallet.Domain) {
	ui.Touch()
	ui.Window.SetContent(views.NewRecordList(ui.Wallet, d, ui.Home, func(id string) { ui.Record(d, id) }).Root)
}

// History shows every consent and its uses.
func (ui *UI) History() {
	ui.Touch()
	h := views.NewHistory(ui.Wallet, ui.Home)
	ui.Window.SetContent(h.Root)
	h.Root.Refresh()
}

// Share shows the share screen.
func (ui *UI) Share() {
	ui.Touch()
	s := views.NewShare(ui.Wallet, ui.Home, ui.ShowQR)
	ui.Window.SetContent(s.Root)
}

// ShowQR shows a shared token until the citizen taps Done.
func (ui *UI) ShowQR(q *viewmodel.SharedQR) {
	ui.Touch()
	stop := make(chan struct{})
	v := views.NewQR(q, func() {
		close(stop)
		ui.Home()
	})
	v.Run(stop)
	ui.Window.SetContent(v.Root)
	v.Root.Refresh() // wrapped hint: lay out again with its width
}

// Record shows one record; back returns to its domain.
func (ui *UI) Record(d wallet.Domain, id string) {
	ui.Touch()
	r := views.NewRecord(ui.Wallet, id, func() { ui.Domain(d) })
	ui.Window.SetContent(r.Root)
	r.Root.Refresh()
}

// Lock locks the wallet and returns to the unlock screen.
func (ui *UI) Lock() {
	_ = ui.Wallet.Lock()
	ui.Start()
}

// CounterUI is the one-stop counter's window.
type CounterUI struct {
	Window  fyne.Window
	Counter *viewmodel.Counter
	Screen  *views.Counter
}

// NewCounter makes the counter (verifier) window for agency.
func NewCounter(a fyne.App, c *viewmodel.Counter, agency string) *CounterUI {
	ui := &CounterUI{Window: a.NewWindow(lang.L("One-stop counter")), Counter: c}
	ui.Window.Resize(fyne.NewSize(900, 700))
	ui.Screen = views.NewCounter(c, agency, ui.Window)
	ui.Window.SetContent(ui.Screen.Root)
	ui.Screen.Root.Refresh()
	return ui
}
