package line

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// DefaultDataBaseURL is the data API's base URL (LINE_DATA_API_BASE_URL's default): rich menu
// images and other binary content live there, not on api.line.me (row 42).
const DefaultDataBaseURL = "https://api-data.line.me"

// MaxBulkLinkUsers is the most user IDs one bulk link or unlink call accepts (LINE's OpenAPI
// description, RichMenuBulkLinkRequest.userIds maxItems).
const MaxBulkLinkUsers = 500

var (
	richMenuIDRe = regexp.MustCompile(`^richmenu-[0-9a-f]{32}$`)
	aliasIDRe    = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)
)

// ErrInvalidRichMenuID is returned without calling LINE when a rich menu ID is not
// "richmenu-" and 32 lowercase hex digits, or an alias ID does not match [a-z0-9_-]{1,32}
// (both would go into a URL path).
var ErrInvalidRichMenuID = errors.New("line: invalid rich menu or alias ID")

// IsRichMenuID reports whether id has the form of a rich menu ID LINE issues.
func IsRichMenuID(id string) bool { return richMenuIDRe.MatchString(id) }

// IsRichMenuAliasID reports whether id is a valid rich menu alias ID ([a-z0-9_-]{1,32}).
func IsRichMenuAliasID(id string) bool { return aliasIDRe.MatchString(id) }

// blobAPI returns the data-API SDK client for one call, bound to ctx (see sdk for why a copy).
func (c *Client) blobAPI(ctx context.Context) *messaging_api.MessagingApiBlobAPI {
	api := *c.blob
	return api.WithContext(ctx)
}

// CreateRichMenu creates a rich menu object (rows 34–35) and returns its ID. Its image must be
// uploaded with UploadRichMenuImage before it is linked or set as default. LINE allows 100
// creates per hour (§2).
func (c *Client) CreateRichMenu(ctx context.Context, m *messaging_api.RichMenuRequest) (string, error) {
	if err := c.wait(ctx, EndpointRichMenuCreate); err != nil {
		return "", err
	}
	res, body, err := c.sdk(ctx).CreateRichMenuWithHttpInfo(m)
	if err := c.outcome(ctx, EndpointRichMenuCreate, false, res, err); err != nil {
		return "", err
	}
	if body == nil || !IsRichMenuID(body.RichMenuId) {
		return "", &APIError{Endpoint: EndpointRichMenuCreate, Status: res.StatusCode,
			Message: "no rich menu ID in the answer", RequestID: res.Header.Get("X-Line-Request-Id")}
	}
	return body.RichMenuId, nil
}

// UploadRichMenuImage attaches a JPEG or PNG (contentType "image/png" or "image/jpeg") to a
// rich menu on the data API (row 34). An image cannot be replaced: a menu that already has one
// answers 400.
func (c *Client) UploadRichMenuImage(ctx context.Context, richMenuID, contentType string, img []byte) error {
	if !IsRichMenuID(richMenuID) {
		return ErrInvalidRichMenuID
	}
	if err := c.wait(ctx, EndpointRichMenuImage); err != nil {
		return err
	}
	res, _, err := c.blobAPI(ctx).SetRichMenuImageWithHttpInfo(richMenuID, contentType, bytes.NewReader(img))
	return c.outcome(ctx, EndpointRichMenuImage, false, res, err)
}

// HasRichMenuImage reports whether a rich menu has its image, by downloading it from the data
// API: false when LINE answers 404 (created but never uploaded, e.g. after a crash between the
// two calls).
func (c *Client) HasRichMenuImage(ctx context.Context, richMenuID string) (bool, error) {
	if !IsRichMenuID(richMenuID) {
		return false, ErrInvalidRichMenuID
	}
	if err := c.wait(ctx, EndpointRichMenuImage); err != nil {
		return false, err
	}
	res, body, err := c.blobAPI(ctx).GetRichMenuImageWithHttpInfo(richMenuID)
	if body != nil {
		_, _ = io.Copy(io.Discard, body.Body)
	}
	err = c.outcome(ctx, EndpointRichMenuImage, false, res, err)
	if IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// ListRichMenus returns every rich menu the channel made through the API (row 35; menus made in
// OA Manager are not listed). LINE announced a lower rate limit for this call (§2), so callers
// list once per sync.
func (c *Client) ListRichMenus(ctx context.Context) ([]messaging_api.RichMenuResponse, error) {
	if err := c.wait(ctx, EndpointRichMenuList); err != nil {
		return nil, err
	}
	res, body, err := c.sdk(ctx).GetRichMenuListWithHttpInfo()
	if err := c.outcome(ctx, EndpointRichMenuList, false, res, err); err != nil {
		return nil, err
	}
	if body == nil {
		return nil, &APIError{Endpoint: EndpointRichMenuList, Status: res.StatusCode,
			Message: "undecodable rich menu list", RequestID: res.Header.Get("X-Line-Request-Id")}
	}
	return body.Richmenus, nil
}

// DeleteRichMenu deletes a rich menu; users linked to it fall back to the default (100 per hour
// with creates, §2).
func (c *Client) DeleteRichMenu(ctx context.Context, richMenuID string) error {
	if !IsRichMenuID(richMenuID) {
		return ErrInvalidRichMenuID
	}
	if err := c.wait(ctx, EndpointRichMenuDelete); err != nil {
		return err
	}
	res, _, err := c.sdk(ctx).DeleteRichMenuWithHttpInfo(richMenuID)
	return c.outcome(ctx, EndpointRichMenuDelete, false, res, err)
}

// SetDefaultRichMenu makes a rich menu (with its image uploaded) the one every user without a
// linked menu sees (row 35).
func (c *Client) SetDefaultRichMenu(ctx context.Context, richMenuID string) error {
	if !IsRichMenuID(richMenuID) {
		return ErrInvalidRichMenuID
	}
	if err := c.wait(ctx, EndpointRichMenuLink); err != nil {
		return err
	}
	res, _, err := c.sdk(ctx).SetDefaultRichMenuWithHttpInfo(richMenuID)
	return c.outcome(ctx, EndpointRichMenuLink, false, res, err)
}

// DefaultRichMenu returns the ID of the default rich menu set through the API; "" when none is
// set (LINE answers 404).
func (c *Client) DefaultRichMenu(ctx context.Context) (string, error) {
	if err := c.wait(ctx, EndpointRichMenuLink); err != nil {
		return "", err
	}
	res, body, err := c.sdk(ctx).GetDefaultRichMenuIdWithHttpInfo()
	err = c.outcome(ctx, EndpointRichMenuLink, false, res, err)
	switch {
	case IsNotFound(err):
		return "", nil
	case err != nil:
		return "", err
	case body == nil:
		return "", &APIError{Endpoint: EndpointRichMenuLink, Status: res.StatusCode,
			Message: "undecodable default rich menu", RequestID: res.Header.Get("X-Line-Request-Id")}
	}
	return body.RichMenuId, nil
}

// LinkRichMenu links a rich menu to one user; it wins over the default (row 35).
func (c *Client) LinkRichMenu(ctx context.Context, userID, richMenuID string) error {
	if !IsUserID(userID) {
		return ErrInvalidUserID
	}
	if !IsRichMenuID(richMenuID) {
		return ErrInvalidRichMenuID
	}
	if err := c.wait(ctx, EndpointRichMenuLink); err != nil {
		return err
	}
	res, _, err := c.sdk(ctx).LinkRichMenuIdToUserWithHttpInfo(userID, richMenuID)
	return c.outcome(ctx, EndpointRichMenuLink, false, res, err)
}

// UnlinkRichMenu removes a user's linked menu, so they see the default again.
func (c *Client) UnlinkRichMenu(ctx context.Context, userID string) error {
	if !IsUserID(userID) {
		return ErrInvalidUserID
	}
	if err := c.wait(ctx, EndpointRichMenuLink); err != nil {
		return err
	}
	res, _, err := c.sdk(ctx).UnlinkRichMenuIdFromUserWithHttpInfo(userID)
	return c.outcome(ctx, EndpointRichMenuLink, false, res, err)
}

// LinkRichMenuBulk links a rich menu to 1 to MaxBulkLinkUsers users in one call (LINE answers
// 202 and links them shortly after). A list out of that range gives ErrNoRecipients or
// ErrTooManyRecipients without calling LINE.
func (c *Client) LinkRichMenuBulk(ctx context.Context, userIDs []string, richMenuID string) error {
	if len(userIDs) == 0 {
		return ErrNoRecipients
	}
	if len(userIDs) > MaxBulkLinkUsers {
		return fmt.Errorf("%w (got %d, bulk link takes %d)", ErrTooManyRecipients, len(userIDs), MaxBulkLinkUsers)
	}
	if err := c.wait(ctx, EndpointRichMenuBulk); err != nil {
		return err
	}
	res, _, err := c.sdk(ctx).LinkRichMenuIdToUsersWithHttpInfo(&messaging_api.RichMenuBulkLinkRequest{
		RichMenuId: richMenuID, UserIds: userIDs})
	return c.outcome(ctx, EndpointRichMenuBulk, false, res, err)
}

// UnlinkRichMenuBulk unlinks the menus of 1 to MaxBulkLinkUsers users, like LinkRichMenuBulk.
func (c *Client) UnlinkRichMenuBulk(ctx context.Context, userIDs []string) error {
	if len(userIDs) == 0 {
		return ErrNoRecipients
	}
	if len(userIDs) > MaxBulkLinkUsers {
		return fmt.Errorf("%w (got %d, bulk unlink takes %d)", ErrTooManyRecipients, len(userIDs), MaxBulkLinkUsers)
	}
	if err := c.wait(ctx, EndpointRichMenuBulk); err != nil {
		return err
	}
	res, _, err := c.sdk(ctx).UnlinkRichMenuIdFromUsersWithHttpInfo(&messaging_api.RichMenuBulkUnlinkRequest{UserIds: userIDs})
	return c.outcome(ctx, EndpointRichMenuBulk, false, res, err)
}

// ListRichMenuAliases returns every rich menu alias of the channel (alias ID → rich menu ID).
func (c *Client) ListRichMenuAliases(ctx context.Context) (map[string]string, error) {
	if err := c.wait(ctx, EndpointRichMenuAlias); err != nil {
		return nil, err
	}
	res, body, err := c.sdk(ctx).GetRichMenuAliasListWithHttpInfo()
	if err := c.outcome(ctx, EndpointRichMenuAlias, false, res, err); err != nil {
		return nil, err
	}
	out := map[string]string{}
	if body != nil {
		for _, a := range body.Aliases {
			out[a.RichMenuAliasId] = a.RichMenuId
		}
	}
	return out, nil
}

// SetRichMenuAlias points alias aliasID at richMenuID: it creates the alias when exists is
// false and updates it otherwise. A richmenuswitch action names the alias, so menus that switch
// to each other need not know each other's IDs.
func (c *Client) SetRichMenuAlias(ctx context.Context, aliasID, richMenuID string, exists bool) error {
	if !IsRichMenuAliasID(aliasID) || !IsRichMenuID(richMenuID) {
		return ErrInvalidRichMenuID
	}
	if err := c.wait(ctx, EndpointRichMenuAlias); err != nil {
		return err
	}
	var res *http.Response
	var err error
	if exists {
		res, _, err = c.sdk(ctx).UpdateRichMenuAliasWithHttpInfo(aliasID, &messaging_api.UpdateRichMenuAliasRequest{RichMenuId: richMenuID})
	} else {
		res, _, err = c.sdk(ctx).CreateRichMenuAliasWithHttpInfo(&messaging_api.CreateRichMenuAliasRequest{
			RichMenuAliasId: aliasID, RichMenuId: richMenuID})
	}
	return c.outcome(ctx, EndpointRichMenuAlias, false, res, err)
}

// DeleteRichMenuAlias deletes an alias (100 per hour with creates and deletes, §2).
func (c *Client) DeleteRichMenuAlias(ctx context.Context, aliasID string) error {
	if !IsRichMenuAliasID(aliasID) {
		return ErrInvalidRichMenuID
	}
	if err := c.wait(ctx, EndpointRichMenuDelete); err != nil {
		return err
	}
	res, _, err := c.sdk(ctx).DeleteRichMenuAliasWithHttpInfo(aliasID)
	return c.outcome(ctx, EndpointRichMenuDelete, false, res, err)
}
