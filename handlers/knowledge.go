package handlers

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/store"
)

// FeedbackLister is what KnowledgeAPI needs from the store.
type FeedbackLister interface {
	ListKnowledgeFeedback(ctx context.Context) ([]store.KnowledgeFeedback, error)
}

// KnowledgeAPI shows officers how the Section 40 answers are received:
//
//	GET /api/v1/knowledge/feedback
//
// answers {"topics": [{"topic": "inpatient", "title": "นอนโรงพยาบาล", "helpful": 12,
// "notHelpful": 5, "updatedAt": "…"}]}, the topics with the most "not helpful" taps first (ties
// by topic id): the answers that confuse people most are at the top.
type KnowledgeAPI struct {
	Store FeedbackLister
	// Title gives a topic's Thai name for the list (the bot's current knowledge); "" for a
	// topic the knowledge no longer has. Optional.
	Title func(topic string) string
}

// Routes installs the knowledge routes on the /api/v1 group.
func (a *KnowledgeAPI) Routes(g *gin.RouterGroup) {
	g.GET("/knowledge/feedback", a.feedback)
}

// feedbackJSON is one topic's tally as the API shows it.
type feedbackJSON struct {
	Topic      string    `json:"topic"`
	Title      string    `json:"title,omitempty"`
	Helpful    int       `json:"helpful"`
	NotHelpful int       `json:"notHelpful"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

func (a *KnowledgeAPI) feedback(c *gin.Context) {
	fs, err := a.Store.ListKnowledgeFeedback(c.Request.Context())
	if err != nil {
		c.Error(err)
		return
	}
	out := make([]feedbackJSON, 0, len(fs))
	for _, f := range fs {
		j := feedbackJSON{Topic: f.Topic, Helpful: f.Helpful, NotHelpful: f.NotHelpful, UpdatedAt: f.UpdatedAt}
		if a.Title != nil {
			j.Title = a.Title(f.Topic)
		}
		out = append(out, j)
	}
	slices.SortStableFunc(out, func(x, y feedbackJSON) int { return cmp.Compare(y.NotHelpful, x.NotHelpful) })
	c.JSON(http.StatusOK, gin.H{"topics": out})
}
