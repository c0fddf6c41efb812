//! The public help center, server-rendered: a portal's home in a locale (its categories with
//! their published articles), a category page and an article page, at Chatwoot's URLs. Plain
//! HTML and CSS in the portal's colour, no scripts (the Content-Security-Policy allows none);
//! pages are `maud` templates, which escape every text, and article bodies are sanitised
//! Markdown. Drafts, archived
//! articles, archived portals and locales a portal does not offer are 404.

use crate::markdown;
use http::StatusCode;
use lambda_http::{Body, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};
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
    main: Markup,
) -> Markup {
    let brand = portals::page_color(portal).unwrap_or(DEFAULT_COLOR);
    let site = portal.page_title.as_deref().unwrap_or(&portal.name);
    let homepage = portal
        .homepage_link
        .as_deref()
        .filter(|url| url.starts_with("https://") || url.starts_with("http://"));
    // Links to the portal's other locales, when it has any.
    let locales = (portal.allowed_locales.len() > 1).then_some(&portal.allowed_locales);
    html! {
        (DOCTYPE)
        html lang=(locale) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " | " (site) }
                // The colour is a validated hex code (`portals::page_color`).
                style { (PreEscaped(format!(":root{{--brand:{brand};--on-brand:{}}}", text_on(brand)))) (PreEscaped(STYLE)) }
            }
            body {
                header.top {
                    div.wrap.bar {
                        a.portal href=(home_url(portal, locale)) {
                            @if let Some(url) = logo_url { img src=(url) alt=""; }
                            span { (portal.name) }
                        }
                        @if let Some(url) = homepage { a href=(url) { "Go to the website" } }
                    }
                    @if let Some(text) = hero { div.wrap.hero { h1 { (text) } } }
                }
                main.wrap { (main) }
                @if let Some(codes) = locales {
                    footer.wrap {
                        nav aria-label="Languages" {
                            @for code in codes {
                                a href=(home_url(portal, code)) lang=(code) aria-current=[(code == locale).then_some("page")] { (code) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A page; found pages may be cached for a minute, a 404 not at all (what is missing may be
/// published the next moment).
fn html(status: StatusCode, body: Markup) -> Response<Body> {
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
        body.into_string(),
    )
}

fn not_found() -> Response<Body> {
    html(
        StatusCode::NOT_FOUND,
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { "Page not found" }
                }
                body {
                    main {
                        h1 { "Page not found" }
                        p { "The page you are looking for does not exist or is no longer available." }
                    }
                }
            }
        },
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

/// A description worth showing: present and not blank.
fn shown(description: Option<&str>) -> Option<&str> {
    description.filter(|d| !d.trim().is_empty())
}

fn article_links(portal: &Portal, articles: &[&Article]) -> Markup {
    html! {
        @for article in articles {
            li { a href=(article_url(portal, article)) { (article.title) } }
        }
    }
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
    let filled: Vec<(&Category, Vec<&Article>)> = categories
        .iter()
        .map(|category| {
            let inside = published
                .iter()
                .filter(|a| a.category_id == Some(category.id))
                .collect();
            (category, inside)
        })
        .filter(|(_, inside): &(_, Vec<_>)| !inside.is_empty())
        .collect();
    let loose: Vec<&Article> = published
        .iter()
        .filter(|a| {
            a.category_id
                .is_none_or(|id| !categories.iter().any(|c| c.id == id))
        })
        .collect();
    let main = html! {
        @if filled.is_empty() && loose.is_empty() {
            p.empty { "No articles have been published yet." }
        } @else {
            div.grid {
                @for (category, inside) in &filled {
                    section.card {
                        h2 {
                            a href=(category_url(&portal, category)) {
                                @if let Some(icon) = &category.icon { (icon) " " }
                                (category.name)
                            }
                        }
                        @if let Some(description) = shown(category.description.as_deref()) {
                            p { (description) }
                        }
                        ul { (article_links(&portal, inside)) }
                    }
                }
                @if !loose.is_empty() {
                    section.card {
                        h2 { "More articles" }
                        ul { (article_links(&portal, &loose)) }
                    }
                }
            }
        }
    };
    let title = portal.page_title.clone().unwrap_or(portal.name.clone());
    let hero = portal
        .header_text
        .clone()
        .filter(|text| !text.trim().is_empty())
        .unwrap_or(title.clone());
    Ok(html(
        StatusCode::OK,
        page(&portal, locale, logo.as_deref(), &title, Some(&hero), main),
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
    let inside: Vec<&Article> = published
        .iter()
        .filter(|a| a.category_id == Some(category.id))
        .collect();
    let main = html! {
        nav.crumbs aria-label="Breadcrumb" {
            a href=(home_url(&portal, &locale)) { "Home" } " › " (category.name)
        }
        h1 { (category.name) }
        @if let Some(description) = shown(category.description.as_deref()) {
            p.lead { (description) }
        }
        @if inside.is_empty() {
            p.empty { "No articles in this category yet." }
        } @else {
            ul.list {
                @for article in &inside {
                    li {
                        a href=(article_url(&portal, article)) { (article.title) }
                        @if let Some(description) = shown(article.description.as_deref()) {
                            p { (description) }
                        }
                    }
                }
            }
        }
    };
    Ok(html(
        StatusCode::OK,
        page(
            &portal,
            &locale,
            logo.as_deref(),
            &category.name,
            None,
            main,
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
    let main = html! {
        nav.crumbs aria-label="Breadcrumb" {
            a href=(home_url(&portal, locale)) { "Home" }
            @if let Some(category) = &category {
                " › " a href=(category_url(&portal, category)) { (category.name) }
            }
        }
        article.body {
            h1 { (article.title) }
            @if let Some(description) = shown(article.description.as_deref()) {
                p.lead { (description) }
            }
            // Sanitised by the renderer.
            (PreEscaped(markdown::render(&article.content)))
        }
    };
    Ok(html(
        StatusCode::OK,
        page(&portal, locale, logo.as_deref(), &article.title, None, main),
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
