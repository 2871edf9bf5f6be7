//! Accounts and sessions for tests: register users, log them in either way, call the API as them.

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

/// What a browser holds after a cookie login.
pub struct CookieSession {
    pub session: String,
    pub csrf: String,
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

    /// A request carrying `Authorization: Bearer <token>`.
    pub fn bearer(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }

    /// A request carrying the session cookie (and nothing else).
    pub fn with_cookie(
        &self,
        method: Method,
        path: &str,
        session: &CookieSession,
    ) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("cookie", format!("__Host-session={}", session.session))
    }

    /// A cookie request with the session's CSRF token, as the application's own page sends it.
    pub fn with_cookie_and_csrf(
        &self,
        method: Method,
        path: &str,
        session: &CookieSession,
    ) -> RequestBuilder {
        self.with_cookie(method, path, session)
            .header("x-csrf-token", &session.csrf)
    }

    /// What `GET /api/users/me/` answers with this bearer token: 200 while it lives.
    pub async fn me_status(&self, token: &str) -> StatusCode {
        let request = self.bearer(Method::GET, "/api/users/me/", token);
        request
            .send()
            .await
            .expect("failed to send the request")
            .status()
    }

    /// What `GET /api/users/me/` answers with this browser's session cookie.
    pub async fn me_status_with_cookie(&self, session: &CookieSession) -> StatusCode {
        let request = self.with_cookie(Method::GET, "/api/users/me/", session);
        request
            .send()
            .await
            .expect("failed to send the request")
            .status()
    }

    /// Registers a user with a unique e-mail address through the API.
    pub async fn register_user(&self) -> TestUser {
        let email = format!("user-{}@example.com", Uuid::new_v4().simple());
        let response = self
            .post_json(
                "/api/users/",
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

    /// `POST /auth/token/` for a header client.
    pub async fn log_in(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/auth/token/",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    /// Logs in as a header client and returns the token.
    pub async fn header_session(&self, user: &TestUser) -> String {
        let response = self.log_in(&user.email, &user.password).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// Logs in as a browser and returns the cookies it was given.
    pub async fn cookie_session(&self, user: &TestUser) -> CookieSession {
        let response = self
            .post_json(
                "/auth/token/",
                &json!({"email": user.email, "password": user.password, "cookie": true}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let session = cookie_value(&response, "__Host-session").expect("no session cookie");
        let csrf = cookie_value(&response, "__Host-csrf").expect("no CSRF cookie");
        CookieSession { session, csrf }
    }

    /// A registered user with a header token.
    pub async fn signed_in_user(&self) -> (TestUser, String) {
        let user = self.register_user().await;
        let token = self.header_session(&user).await;
        (user, token)
    }
}

/// The value a `Set-Cookie` header of `response` gives cookie `name`.
pub fn cookie_value(response: &Response, name: &str) -> Option<String> {
    set_cookies(response).into_iter().find_map(|cookie| {
        let (pair, _) = cookie.split_once(';').unwrap_or((&cookie, ""));
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| value.to_owned())
    })
}

/// Every `Set-Cookie` header of `response`.
pub fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

/// Checks a problem response's status and that its detail mentions `needle`.
pub async fn assert_problem(response: Response, status: StatusCode, needle: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16());
    assert!(
        body["detail"].as_str().unwrap().contains(needle),
        "detail {:?} should mention {needle:?}",
        body["detail"]
    );
    body
}
