// Command citizenwallet is the citizen data wallet app (Fyne). It only
// wires things together: the profile's place in the app's storage, the
// translations, and the window.
package main

import (
	"log"
	"path/filepath"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/vnwallet/citizenwallet/app"
	"github.com/vnwallet/citizenwallet/app/viewmodel"
	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/wallet/badgerstore"
)

func main() {
	if err := assets.UseLanguage(""); err != nil {
		log.Printf("translations: %v", err)
	}
	a := fyneapp.NewWithID("vn.gov.citizenwallet")
	// The app's private storage (Fyne's storage API works on every platform,
	// phones included); each profile has its own folder under profiles/.
	dir := filepath.Join(a.Storage().RootURI().Path(), "profiles", "default")
	ui := app.New(a, viewmodel.NewWallet(dir, badgerstore.Options{}))
	ui.Window.ShowAndRun()
}
