package views

import (
	"context"
	"fmt"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
)

// Languages the app speaks, each named in itself.
var Languages = []struct{ Code, Name string }{{"vi", "Tiếng Việt"}, {"en", "English"}}

// AutoLockChoices are the idle times the settings offer.
var AutoLockChoices = []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute}

// SettingsActions is what the settings screen changes outside itself:
// the app keeps the choices in its preferences.
type SettingsActions struct {
	Language   string // "vi" or "en"
	OnLanguage func(code string)
	AutoLock   time.Duration
	OnAutoLock func(time.Duration)
	// OnAddress runs after a new warehouse address was checked and set.
	OnAddress func(address string)
	// OnChecked, if set, runs after every address check (tests wait on it).
	OnChecked func()
	// OnSwitch opens another profile (at its unlock screen).
	OnSwitch func(id string)
	// OnAddProfile opens the create screen for a family member.
	OnAddProfile func()
	OnBack       func()
}

// Settings is the settings screen: language, auto-lock, PIN, the
// warehouse address and the profiles on this phone.
type Settings struct {
	Language *widget.Select
	AutoLock *widget.Select

	OldPIN, NewPIN, NewPINConfirm *PINEntry
	// Advanced holds the warehouse address and the root key, closed.
	Advanced  *widget.Accordion
	ChangePIN *widget.Button
	PINStatus *widget.Label

	Address       *widget.Entry
	SaveAddress   *widget.Button
	AddressStatus *widget.Label
	RootKey       *widget.Label

	// Open has a button per other profile, by profile id.
	Open       map[string]*widget.Button
	AddProfile *widget.Button

	Root fyne.CanvasObject
}

// NewSettings builds the settings screen.
func NewSettings(w *viewmodel.Wallet, act SettingsActions) *Settings {
	s := &Settings{PINStatus: widget.NewLabel(""), AddressStatus: widget.NewLabel(""), Open: map[string]*widget.Button{}}
	for _, l := range []*widget.Label{s.PINStatus, s.AddressStatus} {
		l.Wrapping = fyne.TextWrapWord
	}

	// Language and auto-lock.
	names := make([]string, len(Languages))
	for i, l := range Languages {
		names[i] = l.Name
	}
	s.Language = newSelect(names, nil)
	s.Language.PlaceHolder = lang.L("Choose")
	for _, l := range Languages {
		if l.Code == act.Language {
			s.Language.SetSelected(l.Name)
		}
	}
	s.Language.OnChanged = func(name string) {
		for _, l := range Languages {
			if l.Name == name && l.Code != act.Language && act.OnLanguage != nil {
				act.OnLanguage(l.Code)
			}
		}
	}
	lockNames := make([]string, len(AutoLockChoices))
	for i, d := range AutoLockChoices {
		lockNames[i] = minutes(d)
	}
	s.AutoLock = newSelect(lockNames, nil)
	s.AutoLock.PlaceHolder = lang.L("Choose")
	if i := slices.Index(AutoLockChoices, act.AutoLock); i >= 0 {
		s.AutoLock.SetSelected(lockNames[i])
	}
	s.AutoLock.OnChanged = func(name string) {
		if i := slices.Index(lockNames, name); i >= 0 && act.OnAutoLock != nil {
			act.OnAutoLock(AutoLockChoices[i])
		}
	}
	general := vertical(widget.NewForm(
		widget.NewFormItem(lang.L("Language"), s.Language),
		widget.NewFormItem(lang.L("Lock after"), s.AutoLock),
	))

	// PIN.
	s.OldPIN, s.NewPIN, s.NewPINConfirm = newPINEntry(), newPINEntry(), newPINEntry()
	s.ChangePIN = newButton(lang.L("Change PIN"), func() {
		err := w.ChangePIN(s.OldPIN.Text, s.NewPIN.Text, s.NewPINConfirm.Text)
		for _, e := range []*PINEntry{s.OldPIN, s.NewPIN, s.NewPINConfirm} {
			e.SetText("")
		}
		if err != nil {
			s.PINStatus.Importance = widget.DangerImportance
			s.PINStatus.SetText(err.Error())
			return
		}
		s.PINStatus.Importance = widget.SuccessImportance
		s.PINStatus.SetText(lang.L("PIN changed. Use the new PIN from now on."))
	})
	pin := container.NewVBox(vertical(widget.NewForm(
		widget.NewFormItem(lang.L("Current PIN"), s.OldPIN),
		widget.NewFormItem(lang.L("New PIN"), s.NewPIN),
		widget.NewFormItem(lang.L("New PIN again"), s.NewPINConfirm),
	)), s.ChangePIN, s.PINStatus)

	// Warehouse.
	info := w.WarehouseInfo()
	s.Address = widget.NewEntry()
	s.Address.SetText(info.BaseURL)
	s.RootKey = widget.NewLabel(lang.L("Province root key: {{.KID}}", map[string]any{"KID": info.RootKey}))
	s.RootKey.Wrapping = fyne.TextWrapBreak
	// The check reaches the network (up to 20 s with a weak signal), so
	// it runs in the background and the screen stays usable.
	s.SaveAddress = newButton(lang.L("Check and use this address"), func() {
		s.SaveAddress.Disable()
		s.AddressStatus.Importance = widget.MediumImportance
		s.AddressStatus.SetText(lang.L("Checking…"))
		typed := s.Address.Text
		go func() {
			addr, err := w.ChangeWarehouseAddress(context.Background(), typed)
			fyne.Do(func() {
				s.SaveAddress.Enable()
				if err != nil {
					s.AddressStatus.Importance = widget.DangerImportance
					s.AddressStatus.SetText(err.Error())
					s.Address.SetText(w.WarehouseInfo().BaseURL)
				} else {
					s.Address.SetText(addr)
					s.AddressStatus.Importance = widget.SuccessImportance
					s.AddressStatus.SetText(lang.L("The warehouse answered with the province's signed trust list. Syncing now uses this address."))
					if act.OnAddress != nil {
						act.OnAddress(addr)
					}
				}
				if act.OnChecked != nil {
					act.OnChecked()
				}
			})
		}()
	})
	// The address and the root key are for the commune helper: under
	// "Advanced", closed.
	forHelper := widget.NewLabel(lang.L("For the commune digital technology team: the warehouse's address and the province's key."))
	forHelper.Wrapping = fyne.TextWrapWord
	forHelper.Importance = widget.LowImportance
	technical := container.NewVBox(forHelper, s.Address, s.SaveAddress, s.AddressStatus, s.RootKey)
	s.Advanced = widget.NewAccordion(widget.NewAccordionItem(lang.L("Advanced"), technical))
	whItems := []fyne.CanvasObject{s.Advanced}
	if info.Demo {
		demo := widget.NewLabel(lang.L("Trial mode: a warehouse with a sample province runs inside the app."))
		demo.Wrapping = fyne.TextWrapWord
		whItems = append([]fyne.CanvasObject{demo}, whItems...)
	}
	warehouse := container.NewVBox(whItems...)

	// Profiles.
	profiles := container.NewVBox()
	list, _ := w.Profiles()
	current := w.Current().ID
	for _, p := range list {
		title := widget.NewLabel(p.Title())
		title.Truncation = fyne.TextTruncateEllipsis
		if p.ID == current {
			title.TextStyle.Bold = true
			profiles.Add(container.NewBorder(nil, nil, nil, widget.NewLabel(lang.L("open now")), title))
			continue
		}
		id := p.ID
		b := newButton(lang.L("Open"), func() {
			if act.OnSwitch != nil {
				act.OnSwitch(id)
			}
		})
		s.Open[id] = b
		profiles.Add(container.NewBorder(nil, nil, nil, b, title))
	}
	s.AddProfile = newButton(lang.L("Add a family member's profile"), func() {
		if act.OnAddProfile != nil {
			act.OnAddProfile()
		}
	})
	hint := widget.NewLabel(lang.L("Each profile has its own PIN and its own records. Children and elderly parents can have a profile on your phone."))
	hint.Wrapping = fyne.TextWrapWord
	profiles.Add(hint)
	profiles.Add(s.AddProfile)

	back := newButton(lang.L("Back"), act.OnBack)
	header := container.NewBorder(nil, nil, back, nil, widget.NewLabelWithStyle(lang.L("Settings"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true}))
	// Sections are a bold title over their content: cards' large titles
	// do not fit a phone's width in Vietnamese.
	section := func(title string, content fyne.CanvasObject) fyne.CanvasObject {
		t := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		t.Wrapping = fyne.TextWrapWord
		return container.NewVBox(widget.NewSeparator(), t, content)
	}
	body := container.NewVBox(
		section(lang.L("General"), general),
		section(lang.L("Profiles on this phone"), profiles),
		section(lang.L("PIN"), pin),
		section(lang.L("Provincial data warehouse"), warehouse),
	)
	s.Root = container.NewBorder(header, nil, nil, nil, container.NewVScroll(body))
	return s
}

func minutes(d time.Duration) string {
	n := int(d / time.Minute)
	if n == 1 {
		return lang.L("1 minute")
	}
	return lang.L("{{.N}} minutes", map[string]any{"N": fmt.Sprint(n)})
}
