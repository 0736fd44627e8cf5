package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
)

// Unlock is the PIN screen of an existing profile.
type Unlock struct {
	PIN    *widget.Entry
	Button *widget.Button
	Error  *widget.Label
	Root   fyne.CanvasObject
}

// NewUnlock builds the unlock screen; onUnlocked runs after a right PIN.
func NewUnlock(w *viewmodel.Wallet, onUnlocked func()) *Unlock {
	u := &Unlock{PIN: widget.NewPasswordEntry(), Error: widget.NewLabel("")}
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
	u.Button = widget.NewButton(lang.L("Unlock"), submit)
	u.Button.Importance = widget.HighImportance
	title := widget.NewLabelWithStyle(lang.L("Citizen data wallet"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	u.Root = container.NewVBox(title, widget.NewLabel(lang.L("Enter your PIN to open your records.")), u.PIN, u.Button, u.Error)
	return u
}

// Create is the first-run screen: the citizen's profile and PIN.
type Create struct {
	CitizenID, FullName, BirthDate, PIN, PINConfirm *widget.Entry
	Button                                          *widget.Button
	// DemoFill fills in the demo province's citizen (demo mode only).
	DemoFill *widget.Button
	Error    *widget.Label
	Root     fyne.CanvasObject
}

// NewCreate builds the first-run screen; onCreated runs once the profile exists.
func NewCreate(w *viewmodel.Wallet, onCreated func()) *Create {
	c := &Create{
		CitizenID:  widget.NewEntry(),
		FullName:   widget.NewEntry(),
		BirthDate:  widget.NewEntry(),
		PIN:        widget.NewPasswordEntry(),
		PINConfirm: widget.NewPasswordEntry(),
		Error:      widget.NewLabel(""),
	}
	c.CitizenID.SetPlaceHolder("075xxxxxxxxx")
	c.BirthDate.SetPlaceHolder(lang.L("DD/MM/YYYY"))
	c.Error.Wrapping = fyne.TextWrapWord
	c.Error.Importance = widget.DangerImportance
	c.Button = widget.NewButton(lang.L("Create profile"), func() {
		err := w.Create(viewmodel.CreateForm{
			CitizenID:  c.CitizenID.Text,
			FullName:   c.FullName.Text,
			BirthDate:  c.BirthDate.Text,
			PIN:        c.PIN.Text,
			PINConfirm: c.PINConfirm.Text,
		})
		if err != nil {
			c.Error.SetText(err.Error())
			return
		}
		c.Error.SetText("")
		onCreated()
	})
	c.Button.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Personal ID number"), c.CitizenID),
		widget.NewFormItem(lang.L("Full name"), c.FullName),
		widget.NewFormItem(lang.L("Date of birth"), c.BirthDate),
		widget.NewFormItem(lang.L("PIN"), c.PIN),
		widget.NewFormItem(lang.L("PIN again"), c.PINConfirm),
	)
	title := widget.NewLabelWithStyle(lang.L("Create your profile"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	box := container.NewVBox(title, form, c.Button, c.Error)
	if p, ok := w.DemoCitizen(); ok {
		c.DemoFill = widget.NewButton(lang.L("Fill in a demo citizen"), func() {
			c.CitizenID.SetText(p.CitizenID)
			c.FullName.SetText(p.FullName)
			c.BirthDate.SetText(p.BirthDate.Format("02/01/2006"))
		})
		box.Add(c.DemoFill)
	}
	c.Root = container.NewVScroll(box)
	return c
}
