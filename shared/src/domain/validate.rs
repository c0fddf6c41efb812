//! Rails-like validations shared by the services.

use crate::error::ValidationErrors;

/// Rails' default limit for string columns.
pub const STRING_COLUMN: usize = 255;

/// Rails' default limit for `text` columns (the generic length guard).
pub const TEXT_COLUMN: usize = 20_000;

pub fn presence(errors: &mut ValidationErrors, attribute: &str, value: Option<&str>) {
    if value.is_none_or(|v| v.trim().is_empty()) {
        errors.add(attribute, "can't be blank");
    }
}

/// A name that goes into URLs and is read by people (slugs): no control characters (NUL
/// among them), and none of the invisible ones that make two names look alike or reorder
/// what is shown (zero-width, bidi controls, soft hyphen, BOM). Chatwoot checks no format;
/// such names only ever serve to spoof another.
pub fn visible(errors: &mut ValidationErrors, attribute: &str, value: &str) {
    let invisible = |c: char| {
        c.is_control()
            || matches!(
                c,
                '\u{00AD}'
                    | '\u{061C}'
                    | '\u{180E}'
                    | '\u{200B}'..='\u{200F}'
                    | '\u{202A}'..='\u{202E}'
                    | '\u{2060}'..='\u{2064}'
                    | '\u{2066}'..='\u{206F}'
                    | '\u{FEFF}'
                    | '\u{FFF9}'..='\u{FFFB}'
            )
    };
    if value.chars().any(invisible) {
        errors.add(attribute, "is invalid");
    }
}

pub fn max_length(errors: &mut ValidationErrors, attribute: &str, value: Option<&str>, max: usize) {
    if value.is_some_and(|v| v.chars().count() > max) {
        errors.add(
            attribute,
            &format!("is too long (maximum is {max} characters)"),
        );
    }
}

pub fn min_length(errors: &mut ValidationErrors, attribute: &str, value: Option<&str>, min: usize) {
    if value.is_some_and(|v| v.chars().count() < min) {
        errors.add(
            attribute,
            &format!("is too short (minimum is {min} characters)"),
        );
    }
}

pub fn inclusion(errors: &mut ValidationErrors, attribute: &str, value: &str, allowed: &[&str]) {
    if !allowed.contains(&value) {
        errors.add(attribute, "is not included in the list");
    }
}

/// Devise's e-mail format: something, an `@`, something, no spaces.
pub fn email_format(errors: &mut ValidationErrors, attribute: &str, value: &str) {
    let valid = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !value.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !valid {
        errors.add(attribute, "is invalid");
    }
}

/// Chatwoot's password rules: 6 to 128 characters with an upper-case letter, a lower-case
/// letter, a digit and a special character.
pub fn password(errors: &mut ValidationErrors, value: &str) {
    min_length(errors, "password", Some(value), 6);
    max_length(errors, "password", Some(value), 128);
    type Rule = (&'static str, fn(char) -> bool);
    let rules: [Rule; 4] = [
        ("must contain at least one uppercase letter", |c| {
            c.is_uppercase()
        }),
        ("must contain at least one lowercase letter", |c| {
            c.is_lowercase()
        }),
        ("must contain at least one number", |c| c.is_ascii_digit()),
        ("must contain at least one special character", |c| {
            !c.is_alphanumeric()
        }),
    ];
    for (message, rule) in rules {
        if !value.chars().any(rule) {
            errors.add("password", message);
        }
    }
}

pub fn hash_password(password: &str) -> Result<String, crate::error::AppError> {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| crate::error::AppError::Internal(format!("password hashing: {e}")))
}

/// Checks a password against its stored hash (constant time inside argon2).
pub fn verify_password(password: &str, digest: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(digest)
        .map(|hash| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_must_be_visible() {
        let invalid = |text: &str| {
            let mut errors = super::ValidationErrors::new();
            super::visible(&mut errors, "slug", text);
            errors.into_result().is_err()
        };
        for bad in [
            "a\0b",
            "a\u{200B}b",
            "a\u{202E}b",
            "\u{FEFF}a",
            "a\u{2066}",
            "a\nb",
        ] {
            assert!(invalid(bad), "{bad:?}");
        }
        for good in ["getting-started", "ayuda", "帮助", "café-2"] {
            assert!(!invalid(good), "{good}");
        }
    }

    use super::*;

    #[test]
    fn password_rules_report_each_gap() {
        let mut errors = ValidationErrors::new();
        password(&mut errors, "abc");
        assert_eq!(
            errors.message(),
            "Password is too short (minimum is 6 characters), \
             Password must contain at least one uppercase letter, \
             Password must contain at least one number, \
             Password must contain at least one special character"
        );
        let mut ok = ValidationErrors::new();
        password(&mut ok, "Password2!");
        assert!(ok.is_empty());
    }

    #[test]
    fn hashes_verify() {
        let digest = hash_password("Password2!").unwrap();
        assert!(verify_password("Password2!", &digest));
        assert!(!verify_password("Password3!", &digest));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn emails() {
        for (email, ok) in [
            ("a@b.c", true),
            ("a@b", true),
            ("ab", false),
            ("a b@c", false),
            ("@b", false),
        ] {
            let mut errors = ValidationErrors::new();
            email_format(&mut errors, "email", email);
            assert_eq!(errors.is_empty(), ok, "{email}");
        }
    }
}
