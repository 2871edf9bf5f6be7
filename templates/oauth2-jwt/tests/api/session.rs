//! Accounts and tokens for tests: register users, log them in, call the API as them.

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::TestApp;

pub const PASSWORD: &str = "correct horse battery staple";

/// A registered user and the password they registered with.
pub struct TestUser {
    pub id: Uuid,
    pub email: String,
    pub password: String,
}

/// The fields of a successful token response.
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("failed to send the request")
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("failed to send the request")
    }

    /// A request carrying `Authorization: Bearer <access_token>`.
    pub fn authorized(&self, method: Method, path: &str, access_token: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(access_token)
    }

    /// Registers a user with a unique e-mail address through the API.
    pub async fn register_user(&self) -> TestUser {
        let email = format!("user-{}@example.com", Uuid::new_v4().simple());
        let response = self
            .post_json(
                "/api/v1/users",
                &json!({"email": email, "password": PASSWORD, "full_name": "Test User"}),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "registration failed"
        );
        let body: Value = response.json().await.unwrap();
        TestUser {
            id: body["id"].as_str().unwrap().parse().unwrap(),
            email,
            password: PASSWORD.to_owned(),
        }
    }

    pub async fn password_grant(&self, email: &str, password: &str) -> Response {
        self.post_form(
            "/api/v1/auth/token",
            &[
                ("grant_type", "password"),
                ("username", email),
                ("password", password),
            ],
        )
        .await
    }

    pub async fn refresh_grant(&self, refresh_token: &str) -> Response {
        self.post_form(
            "/api/v1/auth/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }

    /// Logs `user` in and returns their tokens.
    pub async fn login(&self, user: &TestUser) -> Tokens {
        let response = self.password_grant(&user.email, &user.password).await;
        assert_eq!(response.status(), StatusCode::OK, "login failed");
        tokens_of(response).await
    }

    /// Registers and logs in a new user.
    pub async fn signed_in_user(&self) -> (TestUser, Tokens) {
        let user = self.register_user().await;
        let tokens = self.login(&user).await;
        (user, tokens)
    }

    /// Marks the user inactive directly in the database, as an administrator would.
    pub async fn deactivate(&self, user: &TestUser) {
        sqlx::query("UPDATE users SET is_active = FALSE WHERE id = $1")
            .bind(user.id)
            .execute(&self.pool)
            .await
            .expect("failed to deactivate the user");
    }
}

pub async fn tokens_of(response: Response) -> Tokens {
    let body: Value = response.json().await.expect("a token response is JSON");
    Tokens {
        access: body["access_token"].as_str().unwrap().to_owned(),
        refresh: body["refresh_token"].as_str().unwrap().to_owned(),
    }
}

/// Asserts a 400 OAuth2 error with `code` and returns its description.
pub async fn assert_oauth_error(response: Response, code: &str) -> String {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.expect("an OAuth2 error is JSON");
    assert_eq!(body["error"], code, "{body}");
    body["error_description"]
        .as_str()
        .expect("error_description is text")
        .to_owned()
}

/// Asserts a problem document with `status` and returns it.
pub async fn assert_problem(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.expect("a problem document is JSON");
    assert_eq!(problem["status"], status.as_u16());
    problem
}
