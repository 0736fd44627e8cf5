package views

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/vnwallet/citizenwallet/app/viewmodel"
)

// Lifetimes offered for a consent.
var lifetimes = []struct {
	label string
	d     time.Duration
}{
	{"15 minutes (a counter visit)", 15 * time.Minute},
	{"1 hour", time.Hour},
	{"1 day", 24 * time.Hour},
	{"30 days", 30 * 24 * time.Hour},
}

// Share is the screen where the citizen picks a procedure, sees exactly
// which fields would leave the phone, edits them, and confirms.
type Share struct {
	Procedure *widget.Select
	// Purpose is the citizen's own words for a share by hand (shown only
	// for "another procedure").
	Purpose *widget.Entry
	// Agency picks the recipient from the trust list; Recipient holds its
	// code (typed for offices not in the list).
	Agency    *widget.Select
	Recipient *widget.Entry
	// Codes holds the office code (Recipient) under a "Chi tiết" that
	// starts closed: citizens choose offices by name; the commune helper
	// opens it for an office the list lacks.
	Codes    *widget.Accordion
	Lifetime *widget.Select
	Online   *widget.Check
	Fields   *fyne.Container // one check per field
	Checks   []*widget.Check
	Lacking  *widget.Label
	Confirm  *widget.Button
	Error    *widget.Label
	Draft    *viewmodel.Draft
	Root     fyne.CanvasObject
}

// NewShare builds the share screen; onShared shows the QR.
func NewShare(w *viewmodel.Wallet, onBack func(), onShared func(*viewmodel.SharedQR)) *Share {
	s := &Share{Recipient: widget.NewEntry(), Fields: container.NewVBox(), Lacking: widget.NewLabel(""), Error: widget.NewLabel("")}
	s.Lacking.Wrapping = fyne.TextWrapWord
	s.Lacking.Importance = widget.WarningImportance
	s.Error.Wrapping = fyne.TextWrapWord
	s.Error.Importance = widget.DangerImportance
	s.Recipient.SetPlaceHolder("vn.dongnai.…")
	procs, err := w.Procedures()
	if err != nil {
		s.Error.SetText(viewmodel.ErrorText(err))
	}
	names := make([]string, len(procs))
	for i, p := range procs {
		names[i] = p.Name
	}
	byHand := lang.L("Another procedure: I choose the fields")
	names = append(names, byHand)
	s.Purpose = widget.NewEntry()
	s.Purpose.SetPlaceHolder(lang.L("What the office needs it for"))
	s.Purpose.OnChanged = func(text string) {
		if s.Draft != nil && s.Draft.ByHand() {
			s.Draft.SetPurpose(strings.TrimSpace(text))
		}
	}
	// The purpose: the procedure's, or the citizen's words for a share by
	// hand.
	purposeText := widget.NewLabel("")
	purposeText.Wrapping = fyne.TextWrapWord
	purposeItem := widget.NewFormItem(lang.L("Purpose"), container.NewStack(purposeText, s.Purpose))
	var offer func(procedure string) // set below, with the office picker
	s.Procedure = newSelect(names, func(name string) {
		var d *viewmodel.Draft
		var err error
		if name == byHand {
			d, err = w.ProposeByHand()
		}
		for _, p := range procs {
			if p.Name == name {
				d, err = w.Propose(p.Code)
			}
		}
		if err != nil {
			s.Error.SetText(err.Error())
			return
		}
		s.Draft = d
		if d.ByHand() {
			offer("")
		} else {
			offer(d.Proposal.Procedure.Code)
		}
		if d.ByHand() {
			purposeText.Hide()
			s.Purpose.Show()
			d.SetPurpose(strings.TrimSpace(s.Purpose.Text))
		} else {
			s.Purpose.Hide()
			purposeText.SetText(d.Purpose())
			purposeText.Show()
		}
		s.fill()
		s.Root.Refresh()
	})
	s.Procedure.PlaceHolder = lang.L("Choose the procedure")
	var agencies []viewmodel.Agency
	s.Agency = newSelect(nil, func(string) {
		if i := s.Agency.SelectedIndex(); i >= 0 && i < len(agencies) {
			s.Recipient.SetText(agencies[i].ID)
		}
	})
	s.Agency.PlaceHolder = lang.L("Choose the office")
	// offer lists the offices that receive procedure, keeping the chosen
	// one when it is among them (and a code typed by hand).
	offer = func(procedure string) {
		code := strings.TrimSpace(s.Recipient.Text)
		picked := slices.ContainsFunc(agencies, func(a viewmodel.Agency) bool { return a.ID == code })
		agencies = w.Recipients(procedure)
		names := make([]string, len(agencies))
		for i, a := range agencies {
			names[i] = a.Name
		}
		s.Agency.ClearSelected()
		s.Agency.SetOptions(names)
		for i, a := range agencies {
			if a.ID == code {
				s.Agency.SetSelectedIndex(i)
				return
			}
		}
		if picked {
			s.Recipient.SetText("") // an office of the other procedure
		}
	}
	offer("")
	s.Recipient.OnChanged = func(code string) {
		for i, a := range agencies {
			if a.ID == strings.TrimSpace(code) && s.Agency.SelectedIndex() != i {
				s.Agency.SetSelectedIndex(i)
			}
		}
	}
	var lifeNames []string
	for _, l := range lifetimes {
		lifeNames = append(lifeNames, lang.L(l.label))
	}
	s.Lifetime = newSelect(lifeNames, nil)
	s.Lifetime.SetSelectedIndex(0)
	s.Online = newCheck(lang.L("Online token"), nil)
	onlineNote := widget.NewLabel(lang.L("The counter fetches the data from the warehouse, which records the use."))
	onlineNote.Wrapping = fyne.TextWrapWord
	onlineNote.Importance = widget.LowImportance
	s.Confirm = newButton(lang.L("I agree: share these fields"), func() {
		if s.Draft == nil {
			s.Error.SetText(lang.L("Choose the procedure first."))
			return
		}
		qr, err := w.Share(s.Draft, strings.TrimSpace(s.Recipient.Text), lifetimes[s.Lifetime.SelectedIndex()].d, s.Online.Checked)
		if err != nil {
			s.Error.SetText(err.Error())
			return
		}
		onShared(qr)
	})
	s.Confirm.Importance = widget.HighImportance
	s.Confirm.Disable()
	back := newButton(lang.L("Back"), onBack)
	header := container.NewBorder(nil, nil, back, nil, widget.NewLabelWithStyle(lang.L("Share"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true}))
	form := vertical(widget.NewForm(
		widget.NewFormItem(lang.L("Procedure"), s.Procedure),
		purposeItem,
		widget.NewFormItem(lang.L("To"), s.Agency),
		widget.NewFormItem(lang.L("Valid for"), s.Lifetime),
	))
	codeHint := widget.NewLabel(lang.L("For an office that is not in the list: type the code the office gives you."))
	codeHint.Wrapping = fyne.TextWrapWord
	codeHint.Importance = widget.LowImportance
	s.Codes = widget.NewAccordion(widget.NewAccordionItem(lang.L("Details"),
		vertical(widget.NewForm(widget.NewFormItem(lang.L("Office code"), container.NewVBox(s.Recipient, codeHint))))))
	s.Purpose.Hide()
	leaves := widget.NewLabelWithStyle(lang.L("Will leave this phone:"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	leaves.Wrapping = fyne.TextWrapWord
	s.Root = container.NewBorder(header, nil, nil, nil, container.NewVScroll(container.NewVBox(form, s.Codes, s.Online, onlineNote, leaves, s.Fields, s.Lacking, s.Confirm, s.Error)))
	return s
}

// fill lists the draft's fields as checks under their record's name;
// sensitive fields and those the wallet lacks say so.
func (s *Share) fill() {
	s.Fields.RemoveAll()
	s.Checks = nil
	record := ""
	for _, it := range s.Draft.Items() {
		it := it
		if it.Record != record {
			record = it.Record
			head := widget.NewLabelWithStyle(record, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
			head.Wrapping = fyne.TextWrapWord
			s.Fields.Add(head)
			if it.NeedsSync { // said before the citizen agrees, not after
				s.Fields.Add(needsSyncLabel())
			}
		}
		// The tick box, then the field's name, why the procedure needs it
		// (from the catalogue) and any note, wrapped: a long name at large
		// text still fits a phone.
		c := newCheck("", nil)
		c.SetChecked(it.Selected)
		c.OnChanged = func(on bool) {
			used()
			s.Draft.Set(it.Type, it.Claim, on)
			s.updateLacking()
		}
		if !it.Available {
			c.Disable()
		}
		s.Checks = append(s.Checks, c)
		text := container.NewVBox(wrapped(it.Field))
		if it.Why != "" {
			why := wrapped(it.Why)
			why.Importance = widget.LowImportance
			text.Add(why)
		}
		var notes []string
		if it.Sensitive {
			notes = append(notes, lang.L("sensitive data"))
		}
		if !it.Available {
			notes = append(notes, lang.L("not in your wallet"))
		}
		if len(notes) > 0 {
			note := wrapped(strings.Join(notes, " · "))
			note.Importance = widget.WarningImportance
			text.Add(note)
		}
		s.Fields.Add(container.NewBorder(nil, nil, container.NewVBox(c), nil, text))
	}
	s.updateLacking()
	s.Confirm.Enable()
}

func (s *Share) updateLacking() {
	lack := s.Draft.Lacking()
	if len(lack) == 0 {
		s.Lacking.SetText("")
		return
	}
	s.Lacking.SetText(lang.L("The procedure will still need, on paper:") + "\n• " + strings.Join(lack, "\n• "))
}

// QR shows a shared token full-screen: one QR at a time, advancing by
// itself every CycleEvery (the counter's scanner or camera collects the
// parts in any order), with the time left. A tap on the code pauses and
// resumes the cycling; Next code shows the next part and pauses, so a
// citizen whose official reads part by part can follow.
type QR struct {
	Shared    *viewmodel.SharedQR
	Image     *canvas.Image
	Code      *tapArea // the image, tappable
	Part      *widget.Label
	Countdown *widget.Label
	Cycling   *widget.Label // says the codes change by themselves, or that they are paused
	Next      *widget.Button
	Done      *widget.Button
	index     int
	paused    bool
	since     int // seconds the current part has been shown
	Root      fyne.CanvasObject
}

// CycleEvery is how many seconds each part of a multi-part token stays
// on screen.
const CycleEvery = 3

// NewQR builds the QR screen; onDone returns home.
func NewQR(q *viewmodel.SharedQR, onDone func()) *QR {
	v := &QR{Shared: q, Image: canvas.NewImageFromImage(nil), Part: widget.NewLabel(""), Countdown: widget.NewLabel(""),
		Cycling: widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})}
	v.Cycling.Wrapping = fyne.TextWrapWord
	v.Image.FillMode = canvas.ImageFillContain
	v.Image.ScaleMode = canvas.ImageScaleSmooth // scaled evenly: no module loses a pixel row
	v.Image.SetMinSize(fyne.NewSize(320, 320))
	v.Code = newTapArea(v.Image, v.TogglePause)
	v.Next = newButton(lang.L("Next code"), func() {
		v.paused = true
		v.Advance()
	})
	v.Done = newButton(lang.L("Done"), onDone)
	if len(q.Parts) < 2 {
		v.Next.Hide()
		v.Cycling.Hide()
	}
	v.show(0)
	v.Tick(time.Now())
	hint := widget.NewLabelWithStyle(lang.L("Show this to the official. Each code is a part; they can be read in any order."), fyne.TextAlignCenter, fyne.TextStyle{})
	hint.Wrapping = fyne.TextWrapWord
	v.Root = container.NewBorder(container.NewVBox(v.Part, v.Countdown), container.NewVBox(v.Cycling, hint, v.Next, v.Done), nil, nil, v.Code)
	return v
}

func (v *QR) show(i int) {
	v.index, v.since = i, 0
	img, err := v.Shared.Image(i, 8)
	if err == nil {
		v.Image.Image = img
		v.Image.Refresh()
	}
	v.Part.SetText(fmt.Sprintf(lang.L("Code %d of %d"), i+1, len(v.Shared.Parts)))
	v.sayCycling()
}

func (v *QR) sayCycling() {
	if v.paused {
		v.Cycling.SetText(lang.L("Paused on this code. Tap the code to change codes by themselves again."))
	} else {
		v.Cycling.SetText(fmt.Sprintf(lang.L("The codes change by themselves every %d seconds. Tap the code to stop on it."), CycleEvery))
	}
}

// Index is the part shown.
func (v *QR) Index() int { return v.index }

// Paused reports whether the parts stopped cycling.
func (v *QR) Paused() bool { return v.paused }

// TogglePause stops the cycling on the part shown, or starts it again.
func (v *QR) TogglePause() {
	if len(v.Shared.Parts) < 2 {
		return
	}
	v.paused = !v.paused
	v.since = 0
	v.sayCycling()
}

// Advance shows the next part (wrapping around).
func (v *QR) Advance() { v.show((v.index + 1) % len(v.Shared.Parts)) }

// Step is one second passing: the countdown moves, and unless paused a
// part that has been shown CycleEvery seconds gives way to the next.
func (v *QR) Step(now time.Time) {
	v.Tick(now)
	if len(v.Shared.Parts) < 2 || v.paused {
		return
	}
	v.since++
	if v.since >= CycleEvery {
		v.Advance()
	}
}

// Tick updates the countdown as of now.
func (v *QR) Tick(now time.Time) {
	left := v.Shared.Expires.Sub(now).Round(time.Second)
	if left <= 0 {
		v.Countdown.SetText(lang.L("Expired. Share again if the official still needs it."))
		v.Image.Hide()
		v.Cycling.Hide()
		return
	}
	v.Countdown.SetText(fmt.Sprintf(lang.L("Valid for %s more"), clock(left)))
}

// clock writes a duration as h:mm:ss or m:ss.
func clock(d time.Duration) string {
	s := int(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// Run calls Step every second until stop is closed or the token has
// expired.
func (v *QR) Run(stop <-chan struct{}) {
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				fyne.Do(func() { v.Step(now) })
				if !now.Before(v.Shared.Expires) {
					return
				}
			}
		}
	}()
}
