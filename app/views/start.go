package views

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
)

// Unlock is the PIN screen. With several profiles on the phone it
// first asks whose.
type Unlock struct {
	// Profile chooses the profile (shown only with more than one).
	Profile *widget.Select
	PIN     *PINEntry
	Button  *widget.Button
	// Forgot explains what to do without the PIN.
	Forgot *widget.Button
	Error  *widget.Label
	Root   fyne.CanvasObject
}

// NewUnlock builds the unlock screen in win; onUnlocked runs after a
// right PIN.
func NewUnlock(w *viewmodel.Wallet, win fyne.Window, onUnlocked func()) *Unlock {
	u := &Unlock{PIN: newPINEntry(), Error: widget.NewLabel("")}
	u.PIN.SetPlaceHolder(lang.L("PIN"))
	u.Error.Wrapping = fyne.TextWrapWord
	u.Error.Importance = widget.DangerImportance
	submit := func() {
		if err := w.Unlock(u.PIN.Text); err != nil {
			u.Error.SetText(err.Error())
			u.PIN.SetText("")
			return
		}
		u.Error.SetText("")
		u.PIN.SetText("")
		onUnlocked()
	}
	u.PIN.OnSubmitted = func(string) { submit() }
	u.Button = newButton(lang.L("Unlock"), submit)
	u.Button.Importance = widget.HighImportance
	title := widget.NewLabelWithStyle(lang.L("Citizen data wallet"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	box := container.NewVBox(title)
	list, _ := w.Profiles()
	if len(list) > 1 {
		titles := make([]string, len(list))
		for i, p := range list {
			titles[i] = p.Title()
		}
		u.Profile = newSelect(titles, nil)
		u.Profile.PlaceHolder = lang.L("Choose")
		u.Profile.SetSelected(w.Current().Title())
		u.Profile.OnChanged = func(string) {
			i := u.Profile.SelectedIndex()
			if i < 0 {
				return
			}
			if err := w.Select(list[i].ID); err != nil {
				u.Error.SetText(err.Error())
				return
			}
			u.Error.SetText("")
			u.PIN.SetText("")
		}
		box.Add(widget.NewForm(widget.NewFormItem(lang.L("Profile"), u.Profile)))
	}
	box.Add(widget.NewLabel(lang.L("Enter your PIN to open your records.")))
	box.Add(u.PIN)
	box.Add(u.Button)
	box.Add(u.Error)
	u.Forgot = newButton(lang.L("Forgot your PIN?"), func() {
		text := widget.NewLabel(lang.L("Nobody can recover a PIN: not the app, not the province. It protects your records on this phone only.") + "\n\n" +
			lang.L("Take your CCCD to the commune or ward office (or the commune digital technology team). They give you a new enrolment code; create a new profile with a new PIN and enrol this phone again with it.") + "\n\n" +
			lang.L("What comes back: every record an agency issued, at the first sync. What is lost: your sharing history on this phone, records you imported from files, and QR codes you shared that are still valid (ask the office to revoke them if you need to)."))
		text.Wrapping = fyne.TextWrapWord
		d := dialog.NewCustom(lang.L("Forgot your PIN?"), lang.L("Close"), container.NewVScroll(text), win)
		d.Resize(fyne.NewSize(min(win.Canvas().Size().Width-16, 520), min(win.Canvas().Size().Height-40, 520)))
		d.Show()
	})
	u.Forgot.Importance = widget.LowImportance
	box.Add(u.Forgot)
	u.Root = box
	return u
}

// Create makes a profile: the citizen's own at first run, or a family
// member's (NewAddProfile).
type Create struct {
	CitizenID, FullName, BirthDate *widget.Entry
	// Understood says what the typed birth date was read as.
	Understood      *widget.Label
	PIN, PINConfirm *PINEntry
	// Relation is whose profile it is (family members only).
	Relation *widget.Select
	Button   *widget.Button
	// Cancel returns without creating (family members only).
	Cancel *widget.Button
	// DemoFill fills in the demo province's citizen (demo mode only).
	DemoFill *widget.Button
	Error    *widget.Label
	Root     fyne.CanvasObject
}

// NewCreate builds the first-run screen; onCreated runs once the profile exists.
func NewCreate(w *viewmodel.Wallet, onCreated func()) *Create {
	return newCreate(w, onCreated, nil)
}

// NewAddProfile builds the screen that adds a family member's profile,
// with its own PIN; onCancel returns without adding one.
func NewAddProfile(w *viewmodel.Wallet, onCreated, onCancel func()) *Create {
	return newCreate(w, onCreated, onCancel)
}

func newCreate(w *viewmodel.Wallet, onCreated, onCancel func()) *Create {
	family := onCancel != nil
	c := &Create{
		CitizenID:  widget.NewEntry(),
		FullName:   widget.NewEntry(),
		BirthDate:  widget.NewEntry(),
		Understood: widget.NewLabel(""),
		PIN:        newPINEntry(),
		PINConfirm: newPINEntry(),
		Error:      widget.NewLabel(""),
	}
	c.CitizenID.SetPlaceHolder("075xxxxxxxxx")
	c.BirthDate.SetPlaceHolder(lang.L("DD/MM/YYYY"))
	c.Understood.Wrapping = fyne.TextWrapWord
	c.Understood.Importance = widget.LowImportance
	c.Understood.Hide()
	c.BirthDate.OnChanged = func(s string) {
		c.Understood.SetText(viewmodel.DateUnderstood(s, time.Now()))
		if c.Understood.Text == "" {
			c.Understood.Hide()
		} else {
			c.Understood.Show()
		}
	}
	c.Error.Wrapping = fyne.TextWrapWord
	c.Error.Importance = widget.DangerImportance
	c.Button = newButton(lang.L("Create profile"), func() {
		err := w.Create(viewmodel.CreateForm{
			CitizenID:  c.CitizenID.Text,
			FullName:   c.FullName.Text,
			BirthDate:  c.BirthDate.Text,
			PIN:        c.PIN.Text,
			PINConfirm: c.PINConfirm.Text,
			Relation:   c.relation(),
		})
		if err != nil {
			c.Error.SetText(err.Error())
			return
		}
		c.Error.SetText("")
		onCreated()
	})
	c.Button.Importance = widget.HighImportance
	form := widget.NewForm()
	titleText := lang.L("Create your profile")
	if family {
		titleText = lang.L("Add a family member's profile")
		rels := make([]string, len(viewmodel.FamilyRelations))
		for i, r := range viewmodel.FamilyRelations {
			rels[i] = viewmodel.RelationText(r)
		}
		c.Relation = newSelect(rels, nil)
		c.Relation.SetSelected(rels[0])
		form.Append(lang.L("Relation to you"), c.Relation)
	}
	for _, it := range []*widget.FormItem{
		widget.NewFormItem(lang.L("Personal ID number"), c.CitizenID),
		widget.NewFormItem(lang.L("Full name"), c.FullName),
		widget.NewFormItem(lang.L("Date of birth"), container.NewVBox(c.BirthDate, c.Understood)),
		widget.NewFormItem(lang.L("PIN"), c.PIN),
		widget.NewFormItem(lang.L("PIN again"), c.PINConfirm),
	} {
		form.AppendItem(it)
	}
	title := widget.NewLabelWithStyle(titleText, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	box := container.NewVBox(title, form, c.Button, c.Error)
	if p, ok := w.DemoCitizen(); ok {
		c.DemoFill = newButton(lang.L("Fill in a demo citizen"), func() {
			c.CitizenID.SetText(p.CitizenID)
			c.FullName.SetText(p.FullName)
			c.BirthDate.SetText(p.BirthDate.Format("02/01/2006"))
		})
		box.Add(c.DemoFill)
	}
	if family {
		hint := widget.NewLabel(lang.L("The profile gets its own PIN. Enrol it with the family member's own enrolment code."))
		hint.Wrapping = fyne.TextWrapWord
		c.Cancel = newButton(lang.L("Cancel"), onCancel)
		box.Add(hint)
		box.Add(c.Cancel)
	}
	c.Root = container.NewVScroll(box)
	return c
}

func (c *Create) relation() viewmodel.Relation {
	if c.Relation == nil {
		return viewmodel.RelationSelf
	}
	return viewmodel.RelationFromText(c.Relation.Selected)
}
