// Package app is the Fyne user interface: the root window and navigation
// between screens. Screens live in app/views, their state and commands in
// app/viewmodel; nothing here stores, fetches or signs anything itself.
package app

import (
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
}

// New makes the main window for the wallet and shows the first screen
// (create the profile, or unlock it).
func New(a fyne.App, w *viewmodel.Wallet) *UI {
	ui := &UI{Window: a.NewWindow(lang.L("Citizen data wallet")), Wallet: w}
	ui.Window.Resize(fyne.NewSize(390, 700))
	ui.Start()
	return ui
}

// Start shows the create or unlock screen.
func (ui *UI) Start() {
	if ui.Wallet.HasProfile() {
		ui.Window.SetContent(views.NewUnlock(ui.Wallet, ui.Home).Root)
		return
	}
	ui.Window.SetContent(views.NewCreate(ui.Wallet, ui.Home).Root)
}

// Home shows the record domains.
func (ui *UI) Home() {
	h := views.NewHome(ui.Wallet, ui.Domain, ui.Lock)
	ui.Window.SetContent(h.Root)
	// Wrapped labels know their height only once they have a width: lay
	// out again now that the window gave them one.
	h.Root.Refresh()
}

// Domain shows one domain's records.
func (ui *UI) Domain(d wallet.Domain) {
	ui.Window.SetContent(views.NewRecordList(ui.Wallet, d, ui.Home).Root)
}

// Lock locks the wallet and returns to the unlock screen.
func (ui *UI) Lock() {
	_ = ui.Wallet.Lock()
	ui.Start()
}
