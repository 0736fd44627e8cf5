// Package assets embeds what the app ships besides code: translations
// (vi, en), the procedure catalogue and the icons.
package assets

import (
	"embed"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/wallet"
)

//go:embed translations
var translations embed.FS

// UseLanguage loads the app's translations and selects "vi" or "en".
// Vietnamese is the first language: "" (nothing chosen in Settings yet)
// is Vietnamese whatever the system's locale, because many phones and
// office computers in the province run with an English or unset system
// locale while their users read Vietnamese. English is one tap away in
// Settings.
//
// Fyne chooses the language from the system locale; on desktop systems it
// reads LANGUAGE first, so the choice is made by setting it before the
// bundles are loaded (loading re-reads the locale).
func UseLanguage(code string) error {
	if code != "en" {
		code = "vi"
	}
	if err := os.Setenv("LANGUAGE", code); err != nil {
		return err
	}
	return lang.AddTranslationsFS(translations, "translations")
}

//go:embed icons/app-256.png
var appIcon []byte

//go:embed icons/counter-256.png
var counterIcon []byte

// AppIcon is the citizen wallet's icon (a wallet holding a signed
// record); CounterIcon the one-stop counter's (a scan frame and a tick).
// Sources: icons/*.svg; every size is in icons/ for the packagers.
var (
	AppIcon     fyne.Resource = fyne.NewStaticResource("app-256.png", appIcon)
	CounterIcon fyne.Resource = fyne.NewStaticResource("counter-256.png", counterIcon)
)

//go:embed procedures/procedures.json
var procedures []byte

// Procedures parses the bundled procedure catalogue (vi, en): the
// administrative procedures the wallet proposes disclosures for.
func Procedures() (*wallet.Catalogue, error) {
	return wallet.ParseCatalogue(procedures)
}
