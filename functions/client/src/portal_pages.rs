//! The public help center, server-rendered: a portal's home in a locale (its categories with
//! their published articles), a category page and an article page, at Chatwoot's URLs. Plain
//! HTML and CSS in the portal's colour, no scripts (the Content-Security-Policy allows none);
//! every text is escaped and article bodies are a safe Markdown subset. Drafts, archived
//! articles, archived portals and locales a portal does not offer are 404.

use crate::markdown::{escape, render as markdown};
use http::StatusCode;
use lambda_http::{Body, Response};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use shared::domain::avatars;
use shared::domain::help_center::{articles, categories, portals};
use shared::handler;
use shared::http::{ApiRequest, Router};
use shared::model::help_center::{Article, Category, Portal};
use shared::{AppResult, AppState};
use std::sync::Arc;

const PORTAL_HOME: &str = "/hc/{slug}";
const LOCALE_HOME: &str = "/hc/{slug}/{locale}";
const CATEGORY_PAGE: &str = "/hc/{slug}/{locale}/categories/{category_slug}";
const ARTICLE_PAGE: &str = "/hc/{slug}/articles/{article_slug}";

/// Chatwoot's colour for portals without one.
const DEFAULT_COLOR: &str = "#1f93ff";

pub fn routes(router: Router) -> Router {
    router
        .get(PORTAL_HOME, handler!(portal_home))
        .get(LOCALE_HOME, handler!(locale_home))
        .get(CATEGORY_PAGE, handler!(category_page))
        .get(ARTICLE_PAGE, handler!(article_page))
}

/// A path segment as it goes into a link: everything but unreserved characters encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

fn home_url(portal: &Portal, locale: &str) -> String {
    format!("/hc/{}/{}", segment(&portal.slug), segment(locale))
}

fn category_url(portal: &Portal, category: &Category) -> String {
    format!(
        "{}/categories/{}",
        home_url(portal, &category.locale),
        segment(&category.slug)
    )
}

fn article_url(portal: &Portal, article: &Article) -> String {
    format!(
        "/hc/{}/articles/{}",
        segment(&portal.slug),
        segment(&article.slug)
    )
}

/// Black or white text, whichever reads better on the portal's colour (WCAG luminance).
fn text_on(color: &str) -> &'static str {
    let hex = color.trim_start_matches('#');
    let expanded: String = if hex.len() == 3 {
        hex.chars().flat_map(|c| [c, c]).collect()
    } else {
        hex.to_owned()
    };
    let channel = |i: usize| {
        let value = u8::from_str_radix(&expanded[i..i + 2], 16).unwrap_or(0) as f64 / 255.0;
        if value <= 0.03928 {
            value / 12.92
        } else {
            ((value + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
    // Contrast with white is (1.05 / (L + 0.05)); with near-black (#1f2933, L ≈ 0.022) it is
    // ((L + 0.05) / 0.072): white wins below L ≈ 0.18.
    if luminance < 0.18 {
        "#ffffff"
    } else {
        "#1f2933"
    }
}

const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;background:#f5f7fa;color:#1f2933;font:1rem/1.6 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif}
a{color:#1f5fbf}
a:focus-visible{outline:3px solid var(--brand);outline-offset:2px}
.wrap{max-width:60rem;margin:0 auto;padding:0 1.25rem}
header.top{background:var(--brand);color:var(--on-brand)}
header.top a{color:var(--on-brand)}
.bar{display:flex;align-items:center;justify-content:space-between;gap:1rem;padding:1rem 1.25rem}
.portal{display:flex;align-items:center;gap:.75rem;font-weight:700;font-size:1.25rem;text-decoration:none}
.portal img{width:40px;height:40px;border-radius:8px;object-fit:cover;background:#fff}
.hero{padding:1.5rem 1.25rem 2.5rem}
.hero h1{margin:0;font-size:1.75rem}
main.wrap{padding-top:2rem;padding-bottom:3rem}
h1{font-size:2rem;line-height:1.25;margin:0 0 .5rem}
.lead{color:#52606d;font-size:1.125rem;margin:0 0 1.5rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:1.25rem}
.card{background:#fff;border-radius:12px;box-shadow:0 1px 3px rgb(0 0 0/.12);padding:1.25rem}
.card h2{font-size:1.125rem;margin:0 0 .25rem}
.card h2 a{color:#1f2933;text-decoration:none}
.card h2 a:hover{text-decoration:underline}
.card p{color:#52606d;margin:0 0 .75rem}
.card ul,.list{list-style:none;margin:0;padding:0}
.card li{padding:.375rem 0;border-top:1px solid #e4e7eb}
.list li{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgb(0 0 0/.1);margin-bottom:.75rem;padding:1rem 1.25rem}
.list li a{font-weight:700}
.list li p{margin:.25rem 0 0;color:#52606d}
.empty{color:#52606d}
nav.crumbs{font-size:.9375rem;margin-bottom:1rem;color:#52606d}
nav.crumbs a{color:#52606d}
article.body{background:#fff;border-radius:12px;box-shadow:0 1px 3px rgb(0 0 0/.12);padding:1.5rem 1.75rem}
article.body pre{background:#1f2933;color:#f5f7fa;padding:1rem;border-radius:8px;overflow:auto}
article.body code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
article.body blockquote{margin:1rem 0;padding:.25rem 1rem;border-left:4px solid var(--brand);color:#3e4c59}
footer.wrap{padding-bottom:2.5rem;color:#52606d;font-size:.9375rem}
footer a{color:#52606d;margin-right:.75rem}
";

/// The page around `main`: the portal's bar (logo, name, home page link), the home's hero
/// heading, and links to the portal's other locales.
fn page(
    portal: &Portal,
    locale: &str,
    logo_url: Option<&str>,
    title: &str,
    hero: Option<&str>,
    main: &str,
) -> String {
    let brand = portals::page_color(portal).unwrap_or(DEFAULT_COLOR);
    let site = portal.page_title.as_deref().unwrap_or(&portal.name);
    let logo = logo_url
        .map(|url| format!("<img src=\"{}\" alt=\"\">", escape(url)))
        .unwrap_or_default();
    let homepage = portal
        .homepage_link
        .as_deref()
        .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
        .map(|url| format!("<a href=\"{}\">Go to the website</a>", escape(url)))
        .unwrap_or_default();
    let hero = hero
        .map(|text| format!("<div class=\"wrap hero\"><h1>{}</h1></div>", escape(text)))
        .unwrap_or_default();
    // Links to the portal's other locales, when it has any.
    let locales: String = portal
        .allowed_locales
        .iter()
        .filter(|_| portal.allowed_locales.len() > 1)
        .map(|code| {
            let current = if code == locale {
                " aria-current=\"page\""
            } else {
                ""
            };
            format!(
                "<a href=\"{}\" lang=\"{code}\"{current}>{code}</a>",
                escape(&home_url(portal, code)),
                code = escape(code)
            )
        })
        .collect();
    let footer = if locales.is_empty() {
        String::new()
    } else {
        format!("<footer class=\"wrap\"><nav aria-label=\"Languages\">{locales}</nav></footer>\n")
    };
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} | {site}</title>\n\
         <style>:root{{--brand:{brand};--on-brand:{on_brand}}}{STYLE}</style>\n\
         </head>\n<body>\n<header class=\"top\">\n<div class=\"wrap bar\">\
         <a class=\"portal\" href=\"{home}\">{logo}<span>{name}</span></a>{homepage}</div>\n{hero}\n\
         </header>\n<main class=\"wrap\">\n{main}</main>\n\
         {footer}\
         </body>\n</html>\n",
        lang = escape(locale),
        title = escape(title),
        site = escape(site),
        on_brand = text_on(brand),
        home = escape(&home_url(portal, locale)),
        name = escape(&portal.name),
    )
}

/// A page; found pages may be cached for a minute, a 404 not at all (what is missing may be
/// published the next moment).
fn html(status: StatusCode, body: String) -> Response<Body> {
    let cache = if status == StatusCode::OK {
        "public, max-age=60"
    } else {
        "no-store"
    };
    crate::html::page(
        status,
        cache,
        "default-src 'none'; style-src 'unsafe-inline'; img-src http: https: data:; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        body,
    )
}

fn not_found() -> Response<Body> {
    html(
        StatusCode::NOT_FOUND,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Page not found</title>\n</head>\n<body>\n<main>\n<h1>Page not found</h1>\n\
         <p>The page you are looking for does not exist or is no longer available.</p>\n\
         </main>\n</body>\n</html>\n"
            .to_owned(),
    )
}

/// A live (not archived) portal by the path's slug.
async fn live_portal(state: &AppState, request: &ApiRequest) -> AppResult<Option<Portal>> {
    let portal = portals::find_by_slug(state, &request.path_text("slug")?).await?;
    Ok(portal.filter(|p| !p.archived))
}

async fn logo_url(state: &AppState, portal: &Portal) -> AppResult<Option<String>> {
    match &portal.logo {
        Some(logo) => Ok(Some(avatars::url(state, Some(&logo.blob_key)).await?)),
        None => Ok(None),
    }
}

fn article_links(portal: &Portal, articles: &[&Article]) -> String {
    articles
        .iter()
        .map(|a| {
            format!(
                "<li><a href=\"{}\">{}</a></li>",
                escape(&article_url(portal, a)),
                escape(&a.title)
            )
        })
        .collect()
}

/// The home of a locale: each category with its published articles (categories without
/// any are left out), then published articles in no category.
async fn home(state: &AppState, portal: Portal, locale: &str) -> AppResult<Response<Body>> {
    if !portal.allowed_locales.iter().any(|l| l == locale) {
        return Ok(not_found());
    }
    let (mut categories, published, logo) = futures::try_join!(
        categories::all(state, portal.id),
        articles::published_in_locale(state, portal.id, locale),
        logo_url(state, &portal),
    )?;
    categories.retain(|c| c.locale == locale);
    categories::sort_by_position(&mut categories);
    let mut cards = String::new();
    for category in &categories {
        let inside: Vec<&Article> = published
            .iter()
            .filter(|a| a.category_id == Some(category.id))
            .collect();
        if inside.is_empty() {
            continue;
        }
        let description = category
            .description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .map(|d| format!("<p>{}</p>", escape(d)))
            .unwrap_or_default();
        cards.push_str(&format!(
            "<section class=\"card\"><h2><a href=\"{}\">{}{}</a></h2>{description}<ul>{}</ul></section>\n",
            escape(&category_url(&portal, category)),
            category
                .icon
                .as_deref()
                .map(|icon| format!("{} ", escape(icon)))
                .unwrap_or_default(),
            escape(&category.name),
            article_links(&portal, &inside),
        ));
    }
    let loose: Vec<&Article> = published
        .iter()
        .filter(|a| {
            a.category_id
                .is_none_or(|id| !categories.iter().any(|c| c.id == id))
        })
        .collect();
    if !loose.is_empty() {
        cards.push_str(&format!(
            "<section class=\"card\"><h2>More articles</h2><ul>{}</ul></section>\n",
            article_links(&portal, &loose)
        ));
    }
    let main = if cards.is_empty() {
        "<p class=\"empty\">No articles have been published yet.</p>\n".to_owned()
    } else {
        format!("<div class=\"grid\">\n{cards}</div>\n")
    };
    let title = portal.page_title.clone().unwrap_or(portal.name.clone());
    let hero = portal
        .header_text
        .clone()
        .filter(|text| !text.trim().is_empty())
        .unwrap_or(title.clone());
    Ok(html(
        StatusCode::OK,
        page(&portal, locale, logo.as_deref(), &title, Some(&hero), &main),
    ))
}

/// `/hc/{slug}`: the home of the portal's default locale.
async fn portal_home(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    match live_portal(&state, &request).await? {
        Some(portal) => {
            let locale = portal.default_locale.clone();
            home(&state, portal, &locale).await
        }
        None => Ok(not_found()),
    }
}

async fn locale_home(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let locale = request.path_text("locale")?;
    match live_portal(&state, &request).await? {
        Some(portal) => home(&state, portal, &locale).await,
        None => Ok(not_found()),
    }
}

async fn category_page(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let locale = request.path_text("locale")?;
    let Some(portal) = live_portal(&state, &request).await? else {
        return Ok(not_found());
    };
    if !portal.allowed_locales.contains(&locale) {
        return Ok(not_found());
    }
    let slug = request.path_text("category_slug")?;
    let (category, published, logo) = futures::try_join!(
        categories::find_by_slug(&state, portal.id, &locale, &slug),
        articles::published_in_locale(&state, portal.id, &locale),
        logo_url(&state, &portal),
    )?;
    let Some(category) = category else {
        return Ok(not_found());
    };
    let items: String = published
        .iter()
        .filter(|a| a.category_id == Some(category.id))
        .map(|a| {
            let description = a
                .description
                .as_deref()
                .filter(|d| !d.trim().is_empty())
                .map(|d| format!("<p>{}</p>", escape(d)))
                .unwrap_or_default();
            format!(
                "<li><a href=\"{}\">{}</a>{description}</li>\n",
                escape(&article_url(&portal, a)),
                escape(&a.title)
            )
        })
        .collect();
    let list = if items.is_empty() {
        "<p class=\"empty\">No articles in this category yet.</p>\n".to_owned()
    } else {
        format!("<ul class=\"list\">\n{items}</ul>\n")
    };
    let lead = category
        .description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(|d| format!("<p class=\"lead\">{}</p>\n", escape(d)))
        .unwrap_or_default();
    let main = format!(
        "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><a href=\"{}\">Home</a> › {}</nav>\n\
         <h1>{}</h1>\n{lead}{list}",
        escape(&home_url(&portal, &locale)),
        escape(&category.name),
        escape(&category.name),
    );
    Ok(html(
        StatusCode::OK,
        page(
            &portal,
            &locale,
            logo.as_deref(),
            &category.name,
            None,
            &main,
        ),
    ))
}

/// A published article; the visit is counted (best effort).
async fn article_page(state: Arc<AppState>, request: ApiRequest) -> AppResult<Response<Body>> {
    let slug = request.path_text("article_slug")?;
    let Some((portal, article)) = articles::find_published(&state, &slug).await? else {
        return Ok(not_found());
    };
    if portal.slug != request.path_text("slug")? {
        return Ok(not_found());
    }
    let category = match article.category_id {
        Some(id) => categories::find_by_id(&state, portal.id, id).await?,
        None => None,
    };
    let (logo, ()) = futures::try_join!(
        logo_url(&state, &portal),
        articles::record_view(&state, &article),
    )?;
    let locale = &article.locale;
    let mut crumbs = format!(
        "<a href=\"{}\">Home</a>",
        escape(&home_url(&portal, locale))
    );
    if let Some(category) = &category {
        crumbs.push_str(&format!(
            " › <a href=\"{}\">{}</a>",
            escape(&category_url(&portal, category)),
            escape(&category.name)
        ));
    }
    let lead = article
        .description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(|d| format!("<p class=\"lead\">{}</p>\n", escape(d)))
        .unwrap_or_default();
    let main = format!(
        "<nav class=\"crumbs\" aria-label=\"Breadcrumb\">{crumbs}</nav>\n\
         <article class=\"body\">\n<h1>{}</h1>\n{lead}{}</article>\n",
        escape(&article.title),
        markdown(&article.content),
    );
    Ok(html(
        StatusCode::OK,
        page(
            &portal,
            locale,
            logo.as_deref(),
            &article.title,
            None,
            &main,
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_colour_follows_the_brand() {
        assert_eq!(text_on("#1f2933"), "#ffffff");
        assert_eq!(text_on("#000"), "#ffffff");
        assert_eq!(text_on("#ffd60a"), "#1f2933");
        assert_eq!(text_on("#fff"), "#1f2933");
    }

    #[test]
    fn link_segments_are_encoded() {
        assert_eq!(segment("a b/c?d#é"), "a%20b%2Fc%3Fd%23%C3%A9");
        assert_eq!(segment("getting-started_1.x~"), "getting-started_1.x~");
    }
}
