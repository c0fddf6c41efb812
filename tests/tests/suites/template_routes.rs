//! `template.yaml`'s API Gateway routes agree with the in-process route table
//! (`infra::ROUTES`), both ways, and every documented operation and public page reaches its
//! function through them, matched as an HTTP API matches a request to a route.

use api_tests::operations::{concrete_path, operations, DOCUMENTED_OPERATIONS};
use api_tests::template::{resource, resources, tag_value, Lambda};
use http::Method;
use infra::{Function, ROUTES};
use serde_yaml::Value;

/// The server-rendered help-center pages (the client function's), which the API document does
/// not list; the CSAT survey page is in it.
const PORTAL_PAGES: &[&str] = &[
    "/hc/{slug}",
    "/hc/{slug}/{locale}",
    "/hc/{slug}/{locale}/categories/{category_slug}",
    "/hc/{slug}/articles/{article_slug}",
];

#[derive(Debug, PartialEq)]
enum Segment {
    Literal(String),
    /// `{name}`: exactly one segment.
    Variable,
    /// `{name+}`: one or more segments, last in the key.
    Greedy,
}

/// One `AWS::ApiGatewayV2::Route` and the function its integration invokes.
#[derive(Debug)]
struct TemplateRoute {
    logical_id: String,
    route_key: String,
    /// `None` for `ANY`.
    method: Option<Method>,
    /// `None` for `$default`.
    segments: Option<Vec<Segment>>,
    function: Function,
}

impl TemplateRoute {
    /// The literal path before the first variable (`/api/v1/` for `ANY /api/v1/{proxy+}`): the
    /// prefix `infra::ROUTES` must map to the same function.
    fn literal_prefix(&self) -> String {
        let path = self.route_key.split_once(' ').map_or("", |(_, path)| path);
        path.split('{').next().unwrap_or_default().to_owned()
    }

    /// How specifically the route matches `method path`, if it does: non-greedy routes before
    /// greedy ones before `$default`; then the longer match (segments before a greedy
    /// variable), then more literal segments, then a named method over `ANY`.
    fn match_rank(&self, method: &Method, path: &str) -> Option<(u8, usize, usize, bool)> {
        if self.method.as_ref().is_some_and(|own| own != method) {
            return None;
        }
        let method_specific = self.method.is_some();
        let Some(segments) = &self.segments else {
            return Some((0, 0, 0, method_specific));
        };
        let request: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut greedy = false;
        for (i, segment) in segments.iter().enumerate() {
            match segment {
                Segment::Literal(literal) if request.get(i) == Some(&literal.as_str()) => {}
                Segment::Variable if request.get(i).is_some_and(|s| !s.is_empty()) => {}
                // The greedy value may end in a slash (`reports/conversations/`), not be empty.
                Segment::Greedy if request.get(i).is_some_and(|s| !s.is_empty()) => {
                    greedy = true;
                }
                _ => return None,
            }
        }
        if !greedy && request.len() != segments.len() {
            return None;
        }
        let literals = segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count();
        let before_greedy = segments.len() - usize::from(greedy);
        Some((
            if greedy { 1 } else { 2 },
            before_greedy,
            literals,
            method_specific,
        ))
    }
}

/// The integration a route's `Target` names: `!Sub "integrations/${Integration}"`.
fn target_integration(route: &Value) -> String {
    let target = &route["Properties"]["Target"];
    tag_value(target, "Sub")
        .and_then(Value::as_str)
        .and_then(|text| text.strip_prefix("integrations/${"))
        .and_then(|text| text.strip_suffix('}'))
        .unwrap_or_else(|| panic!("unexpected route Target {target:?}"))
        .to_owned()
}

/// The function an integration invokes: `!GetAtt Function.Arn` (scalar or list form).
fn integration_function(integration: &Value) -> String {
    let uri = &integration["Properties"]["IntegrationUri"];
    let get_att =
        tag_value(uri, "GetAtt").unwrap_or_else(|| panic!("unexpected IntegrationUri {uri:?}"));
    let logical_id = match get_att {
        Value::String(text) => text.strip_suffix(".Arn"),
        Value::Sequence(parts) if parts.len() == 2 && parts[1].as_str() == Some("Arn") => {
            parts[0].as_str()
        }
        _ => None,
    };
    logical_id
        .unwrap_or_else(|| panic!("unexpected IntegrationUri {uri:?}"))
        .to_owned()
}

/// The HTTP function a function resource is.
fn function_of(logical_id: &str) -> Function {
    Lambda::of(logical_id, resource(logical_id))
        .http()
        .unwrap_or_else(|| panic!("{logical_id} serves no HTTP route"))
}

fn parse_route_key(route_key: &str) -> (Option<Method>, Option<Vec<Segment>>) {
    if route_key == "$default" {
        return (None, None);
    }
    let (method, path) = route_key
        .split_once(' ')
        .unwrap_or_else(|| panic!("malformed RouteKey {route_key}"));
    let method = (method != "ANY").then(|| method.parse().expect("RouteKey method"));
    let raw: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let segments = raw
        .iter()
        .enumerate()
        .map(
            |(i, segment)| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) if name.ends_with('+') => {
                    assert_eq!(i, raw.len() - 1, "greedy variable not last in {route_key}");
                    Segment::Greedy
                }
                Some(_) => Segment::Variable,
                None => Segment::Literal((*segment).to_owned()),
            },
        )
        .collect();
    (method, Some(segments))
}

fn template_routes() -> Vec<TemplateRoute> {
    let Value::Mapping(entries) = resources() else {
        panic!("template has no Resources");
    };
    entries
        .iter()
        .filter(|(_, route)| route["Type"].as_str() == Some("AWS::ApiGatewayV2::Route"))
        .map(|(logical_id, route)| {
            let logical_id = logical_id.as_str().expect("logical id").to_owned();
            let route_key = route["Properties"]["RouteKey"]
                .as_str()
                .unwrap_or_else(|| panic!("{logical_id} has no literal RouteKey"))
                .to_owned();
            let integration = resource(&target_integration(route));
            let function = function_of(&integration_function(integration));
            let (method, segments) = parse_route_key(&route_key);
            TemplateRoute {
                logical_id,
                route_key,
                method,
                segments,
                function,
            }
        })
        .collect()
}

/// The route an HTTP API picks for `method path`: the most specific match. `Err` if none
/// matches or two equally specific ones send it to different functions.
fn route_for<'r>(
    routes: &'r [TemplateRoute],
    method: &Method,
    path: &str,
) -> Result<&'r TemplateRoute, String> {
    let mut matches: Vec<_> = routes
        .iter()
        .filter_map(|route| route.match_rank(method, path).map(|rank| (rank, route)))
        .collect();
    matches.sort_by_key(|(rank, _)| std::cmp::Reverse(*rank));
    match matches.as_slice() {
        [] => Err("no template route matches".to_owned()),
        [(best, route), (second, other), ..]
            if best == second && route.function != other.function =>
        {
            Err(format!(
                "{} and {} match equally",
                route.route_key, other.route_key
            ))
        }
        [(_, route), ..] => Ok(route),
    }
}

#[test]
fn template_routes_and_the_route_table_agree_both_ways() {
    let routes = template_routes();
    let mut disagreements = Vec::new();
    for route in &routes {
        let prefix = route.literal_prefix();
        match ROUTES.iter().find(|(own, _)| *own == prefix) {
            Some((_, function)) if *function == route.function => {}
            Some((_, function)) => disagreements.push(format!(
                "{} ({}) invokes {:?}, ROUTES sends {prefix} to {function:?}",
                route.logical_id, route.route_key, route.function
            )),
            None => disagreements.push(format!(
                "{} ({}): no ROUTES entry for {prefix:?}",
                route.logical_id, route.route_key
            )),
        }
    }
    for (prefix, function) in ROUTES {
        if !routes
            .iter()
            .any(|route| route.literal_prefix() == *prefix && route.function == *function)
        {
            disagreements.push(format!(
                "ROUTES {prefix} -> {function:?}: no template route"
            ));
        }
    }
    println!(
        "{} template routes, {} ROUTES entries, {} disagreements",
        routes.len(),
        ROUTES.len(),
        disagreements.len()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn every_documented_operation_and_page_reaches_its_function_through_the_template() {
    let routes = template_routes();
    let operations = operations();
    assert_eq!(operations.len(), DOCUMENTED_OPERATIONS);
    let pages = PORTAL_PAGES
        .iter()
        .map(|page| (Function::Client, Method::GET, *page, "portal page"));
    let requests: Vec<_> = operations
        .iter()
        .map(|op| (op.function, op.method.clone(), op.path, op.id))
        .chain(pages)
        .collect();
    let mut failures = Vec::new();
    for (function, method, template_path, id) in &requests {
        let path = concrete_path(template_path, "1", "2");
        match route_for(&routes, method, &path) {
            Ok(route) if route.function == *function => {}
            Ok(route) => failures.push(format!(
                "{method} {template_path} ({id}): {} invokes {:?}, not {function:?}",
                route.route_key, route.function
            )),
            Err(why) => failures.push(format!("{method} {template_path} ({id}): {why}")),
        }
    }
    println!(
        "{} of {} requests ({} documented operations, {} portal pages) reach their function through {} template routes",
        requests.len() - failures.len(),
        requests.len(),
        operations.len(),
        PORTAL_PAGES.len(),
        routes.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn route_matching_follows_api_gateway_precedence() {
    let routes: Vec<TemplateRoute> = [
        ("ANY /api/{proxy+}", Function::Application),
        ("ANY /api/v2/{proxy+}", Function::Reports),
        ("GET /api/v2/{id}", Function::Platform),
        ("POST /api/v2/fixed", Function::Client),
    ]
    .into_iter()
    .map(|(route_key, function)| {
        let (method, segments) = parse_route_key(route_key);
        TemplateRoute {
            logical_id: route_key.to_owned(),
            route_key: route_key.to_owned(),
            method,
            segments,
            function,
        }
    })
    .collect();
    let function =
        |method: Method, path: &str| route_for(&routes, &method, path).map(|route| route.function);
    // Longest greedy match wins; a single-segment variable beats any greedy one.
    assert_eq!(
        function(Method::DELETE, "/api/v2/a/b"),
        Ok(Function::Reports)
    );
    assert_eq!(function(Method::GET, "/api/v2/a"), Ok(Function::Platform));
    assert_eq!(function(Method::PUT, "/api/v2/a"), Ok(Function::Reports));
    assert_eq!(
        function(Method::POST, "/api/v2/fixed"),
        Ok(Function::Client)
    );
    assert_eq!(
        function(Method::GET, "/api/v1/x"),
        Ok(Function::Application)
    );
    // A greedy variable needs at least one segment; nothing matches outside the prefixes.
    assert!(function(Method::GET, "/api/").is_err());
    assert!(function(Method::GET, "/other").is_err());
}
