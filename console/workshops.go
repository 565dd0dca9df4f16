package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/ssonet/ssonet/actions"
	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

func (c *Console) workshopRoutes(g *gin.RouterGroup) {
	g.GET("/workshops", c.workshops)
	g.POST("/workshops", c.csrf, c.createWorkshop)
	g.GET("/workshops/:id", c.workshop)
	g.POST("/workshops/:id", c.csrf, c.updateWorkshop)
	g.POST("/workshops/:id/cancel", c.csrf, c.cancelWorkshop)
	g.GET("/workshops/:id/checkin", c.checkin)
	g.POST("/workshops/:id/checkin", c.csrf, c.markAttendance)
}

type workshopsData struct {
	Workshops []store.Workshop // the page shown, pageSize at most
	Form      workshopForm
	Province  string   // the filter, an ISO code; empty: all of the officer's
	Provinces []string // the officer's provinces; nil for an admin
	Offset    int
	Next      int // offset of the next page; 0 when there is none
	Prev      int // offset of the previous page; -1 on the first
}

// pageOf fills the page of ws that the offset query parameter asks for (page50).
func (d *workshopsData) pageOf(ctx *gin.Context, ws []store.Workshop) {
	d.Offset, d.Prev, d.Next = page50(ctx, len(ws))
	d.Workshops = ws[d.Offset:min(d.Offset+pageSize, len(ws))]
}

// workshopForm is the create and edit form as typed, kept when a field is refused.
type workshopForm struct {
	Key                                                                                            string // the create's idempotent ID
	Title, Description, Province, VenueName, Address, MapURL, StartsAt, EndsAt, Deadline, Capacity string
	Version                                                                                        int64
}

// input reads the form into the action's input; empty optional fields clear them.
func (f workshopForm) input(creating bool) actions.WorkshopInput {
	str := func(s string) *string { return &s }
	in := actions.WorkshopInput{ID: f.Key, Title: str(f.Title), Description: str(f.Description), Province: str(f.Province),
		Venue:    &actions.VenueInput{Name: str(f.VenueName), Address: str(f.Address), MapURL: str(f.MapURL)},
		StartsAt: str(f.StartsAt), EndsAt: str(f.EndsAt), RegistrationDeadline: str(f.Deadline)}
	if n, err := strconv.Atoi(strings.TrimSpace(f.Capacity)); err == nil {
		in.Capacity = &n
	} else if creating || strings.TrimSpace(f.Capacity) != "" {
		bad := -1
		in.Capacity = &bad // refused by the action with its message
	}
	if !creating {
		v := f.Version
		in.Version = &v
	}
	return in
}

func readWorkshopForm(ctx *gin.Context) workshopForm {
	v, _ := strconv.ParseInt(ctx.PostForm("version"), 10, 64)
	key := ctx.PostForm("key")
	if _, err := uuid.Parse(key); err != nil {
		key = ""
	}
	return workshopForm{Key: key, Title: ctx.PostForm("title"), Description: ctx.PostForm("description"), Province: ctx.PostForm("province"),
		VenueName: ctx.PostForm("venue"), Address: ctx.PostForm("address"), MapURL: ctx.PostForm("mapUrl"),
		StartsAt: ctx.PostForm("startsAt"), EndsAt: ctx.PostForm("endsAt"), Deadline: ctx.PostForm("deadline"),
		Capacity: ctx.PostForm("capacity"), Version: v}
}

// upcoming lists the workshops of the last week and ahead, cancelled ones too, of province (an
// ISO code; empty: all of the officer's).
func (c *Console) upcoming(ctx *gin.Context, p page, province string) ([]store.Workshop, error) {
	return c.cfg.Actions.Workshops(ctx.Request.Context(), p.Officer, store.WorkshopFilter{ProvinceCode: province,
		StartsAfter: c.cfg.Actions.Now().Add(-7 * 24 * time.Hour), WithCancelled: true, Limit: 100})
}

func (c *Console) workshops(ctx *gin.Context) {
	p := c.base(ctx, "workshops")
	var province string
	if q := ctx.Query("province"); q != "" {
		code, err := actions.ParseProvince("province", q)
		if err != nil {
			c.refused(ctx, p, "workshops", err)
			return
		}
		province = code
	}
	ws, err := c.upcoming(ctx, p, province)
	if err != nil {
		c.refused(ctx, p, "workshops", err)
		return
	}
	form := workshopForm{Key: uuid.NewString(), Capacity: "30"}
	if len(p.Officer.Provinces) == 1 {
		form.Province = provinceName(p.Officer.Provinces[0])
	}
	d := workshopsData{Form: form, Province: province, Provinces: p.Officer.Scope()}
	d.pageOf(ctx, ws)
	c.render(ctx, http.StatusOK, "workshops", p, d)
}

func (c *Console) createWorkshop(ctx *gin.Context) {
	p := c.base(ctx, "workshops")
	f := readWorkshopForm(ctx)
	in := f.input(true)
	w, err := c.cfg.Actions.CreateWorkshop(ctx.Request.Context(), p.Officer, in)
	if err != nil {
		ws, _ := c.upcoming(ctx, p, "")
		d := workshopsData{Form: f, Provinces: p.Officer.Scope()}
		d.pageOf(ctx, ws)
		p.Data = d
		c.refused(ctx, p, "workshops", err)
		return
	}
	c.done(ctx, "/console/workshops/"+w.ID, "ws.created")
}

type workshopData struct {
	Workshop     store.Workshop
	Form         workshopForm
	Registrants  []actions.Registrant
	Revealed     bool
	CheckInOpens time.Time // before it, the door's page marks no one present (actions.CheckInOpens)
	Early        bool      // it is before CheckInOpens
}

func (c *Console) workshopPage(ctx *gin.Context, p page, name string, form *workshopForm, reveal bool) {
	w, regs, err := c.cfg.Actions.Registrants(ctx.Request.Context(), p.Officer, ctx.Param("id"), reveal, "console")
	if err != nil {
		c.refused(ctx, p, "workshops", err)
		return
	}
	d := workshopData{Workshop: w, Registrants: regs, Revealed: reveal, CheckInOpens: c.cfg.Actions.CheckInOpens(w)}
	d.Early = c.cfg.Actions.Now().Before(d.CheckInOpens)
	if form != nil {
		d.Form = *form
	} else {
		loc := c.cfg.Actions.Location()
		d.Form = workshopForm{Title: w.Title, Description: w.Description, Province: provinceName(w.ProvinceCode), VenueName: w.Venue.Name,
			Address: w.Venue.Address, MapURL: w.Venue.MapURL, StartsAt: w.StartsAt.In(loc).Format("2006-01-02T15:04"),
			EndsAt: w.EndsAt.In(loc).Format("2006-01-02T15:04"), Deadline: w.RegistrationDeadline.In(loc).Format("2006-01-02T15:04"),
			Capacity: strconv.Itoa(w.Capacity), Version: w.Version}
	}
	c.render(ctx, http.StatusOK, name, p, d)
}

func (c *Console) workshop(ctx *gin.Context) {
	c.workshopPage(ctx, c.base(ctx, "workshops"), "workshop", nil, false)
}

func (c *Console) updateWorkshop(ctx *gin.Context) {
	p := c.base(ctx, "workshops")
	if ctx.PostForm("reveal") == "1" {
		c.workshopPage(ctx, p, "workshop", nil, true)
		return
	}
	f := readWorkshopForm(ctx)
	in := f.input(false)
	_, err := c.cfg.Actions.UpdateWorkshop(ctx.Request.Context(), p.Officer, ctx.Param("id"), in)
	if err != nil {
		if !c.refusal(ctx, &p, err) {
			return
		}
		c.workshopPage(ctx, p, "workshop", &f, false)
		return
	}
	c.done(ctx, "/console/workshops/"+ctx.Param("id"), "ws.updated")
}

func (c *Console) cancelWorkshop(ctx *gin.Context) {
	p := c.base(ctx, "workshops")
	if _, err := c.cfg.Actions.CancelWorkshop(ctx.Request.Context(), p.Officer, ctx.Param("id")); err != nil {
		c.refused(ctx, p, "workshops", err)
		return
	}
	c.done(ctx, "/console/workshops/"+ctx.Param("id"), "ws.cancelled")
}

// checkin is the phone page at the door: every registrant with a tap to mark present.
func (c *Console) checkin(ctx *gin.Context) {
	c.workshopPage(ctx, c.base(ctx, "workshops"), "checkin", nil, false)
}

func (c *Console) markAttendance(ctx *gin.Context) {
	p := c.base(ctx, "workshops")
	_, err := c.cfg.Actions.SetAttendance(ctx.Request.Context(), p.Officer, ctx.Param("id"), ctx.PostForm("user"), ctx.PostForm("attended") == "1")
	if err != nil {
		if !c.refusal(ctx, &p, err) {
			return
		}
		c.workshopPage(ctx, p, "checkin", nil, false)
		return
	}
	ctx.Redirect(http.StatusSeeOther, "/console/workshops/"+ctx.Param("id")+"/checkin")
}

// provinceName is a province's Thai name for a form field (read back by actions.ParseProvince).
func provinceName(code string) string {
	p, _ := thai.ProvinceByCode(code)
	return p.NameTH
}
