//! Session lifecycle under concurrency: rotations of one token, and rotations racing logout and
//! logout-all, driven by concurrent requests and by transactions the test holds open.

use reqwest::{Method, Response, StatusCode};
use serde_json::Value;
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::signed_in::login_request;

const ROTATE: &str = "/auth/token/rotate/";
const LOGOUT: &str = "/auth/logout/";
const LOGOUT_ALL: &str = "/auth/logout-all/";

/// Sends `method path` with `token` in the background.
fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
) -> tokio::task::JoinHandle<Response> {
    let request = app.bearer(method, path, token);
    tokio::spawn(async move { request.send().await.expect("failed to send the request") })
}

/// The token a 200 from rotation carries, or `None` for any other answer.
async fn rotated_token(response: Response) -> Option<String> {
    if response.status() != StatusCode::OK {
        return None;
    }
    let body: Value = response.json().await.unwrap();
    Some(body["token"].as_str().unwrap().to_owned())
}

/// How many sessions of `user_id` are not revoked.
async fn unrevoked_sessions(app: &TestApp, user_id: Uuid) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM session_tokens WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// An application without the login limit, for tests that log in many times.
async fn unthrottled() -> TestApp {
    spawn_app_with(|config| config.login.attempts_per_minute = 0).await
}

/// `count` copies of `method path` with `token`, sent at once; their answers.
async fn all_at_once(
    app: &TestApp,
    count: usize,
    method: Method,
    path: &str,
    token: &str,
) -> Vec<Response> {
    let mut requests = JoinSet::new();
    for _ in 0..count {
        let request = app.bearer(method.clone(), path, token);
        requests.spawn(async move { request.send().await.expect("failed to send the request") });
    }
    let mut responses = Vec::new();
    while let Some(response) = requests.join_next().await {
        responses.push(response.unwrap());
    }
    responses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_ten_concurrent_rotations_of_one_token_exactly_one_succeeds() {
    let app = unthrottled().await;
    for round in 0..10 {
        let user = app.register_user().await;
        let token = app.header_session(&user).await;
        // Open the client's and the server's connections first, so the rotations overlap.
        all_at_once(&app, 10, Method::GET, crate::accounts::ME, &token).await;

        let mut statuses = Vec::new();
        let mut new_tokens = Vec::new();
        for response in all_at_once(&app, 10, Method::POST, ROTATE, &token).await {
            statuses.push(response.status());
            new_tokens.extend(rotated_token(response).await);
        }

        let succeeded = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(succeeded, 1, "round {round}: {statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|s| *s == StatusCode::OK || *s == StatusCode::UNAUTHORIZED),
            "round {round}: {statuses:?}"
        );
        assert_eq!(unrevoked_sessions(&app, user.id).await, 1, "round {round}");
        assert_eq!(app.me_status(&new_tokens[0]).await, StatusCode::OK);
        assert_eq!(app.me_status(&token).await, StatusCode::UNAUTHORIZED);
    }
}

/// Rounds of a rotation racing a logout (of the rotated token itself, or of the whole user
/// from another session). Whichever commits first, once both have answered no session of the
/// user may be left: not the old token, not the one the rotation may have returned.
async fn race_rotation_against(logout: &'static str) {
    let app = unthrottled().await;
    for round in 0..15 {
        let user = app.register_user().await;
        let token = app.header_session(&user).await;
        let logout_token = match logout {
            LOGOUT => token.clone(),
            _ => app.header_session(&user).await,
        };

        let rotation = send(&app, Method::POST, ROTATE, &token);
        let logged_out = send(&app, Method::POST, logout, &logout_token);
        let (rotation, logged_out) = (rotation.await.unwrap(), logged_out.await.unwrap());

        let logout_status = logged_out.status();
        let rotation_status = rotation.status();
        let new_token = rotated_token(rotation).await;
        if logout_status != StatusCode::NO_CONTENT {
            // The rotation revoked the token before the logout could authenticate with it;
            // that client then logs out with the token it was given.
            assert_eq!(logout_status, StatusCode::UNAUTHORIZED, "round {round}");
            assert_eq!(rotation_status, StatusCode::OK, "round {round}");
            continue;
        }
        assert_eq!(app.me_status(&token).await, StatusCode::UNAUTHORIZED);
        if let Some(new_token) = new_token {
            assert_eq!(
                app.me_status(&new_token).await,
                StatusCode::UNAUTHORIZED,
                "round {round}: the rotated token outlived {logout}"
            );
        }
        assert_eq!(
            unrevoked_sessions(&app, user.id).await,
            0,
            "round {round}: a session outlived {logout}"
        );
    }
}

#[tokio::test]
async fn a_rotation_racing_logout_leaves_no_session_alive() {
    race_rotation_against(LOGOUT).await;
}

#[tokio::test]
async fn a_rotation_racing_logout_all_leaves_no_session_alive() {
    race_rotation_against(LOGOUT_ALL).await;
}

/// Waits until `count` connections to this test's database are blocked on a lock, so that a
/// test holding a transaction open knows its requests have reached the database.
async fn wait_for_lock_waiters(app: &TestApp, count: i64) {
    for _ in 0..1000 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if waiting >= count {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{count} request(s) never blocked on the held transaction");
}

/// The user's row, locked as a concurrent writer of the account would lock it.
async fn hold_user(app: &TestApp, user_id: Uuid) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut held = app.pool.begin().await.unwrap();
    sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
        .bind(user_id)
        .execute(&mut *held)
        .await
        .unwrap();
    held
}

#[tokio::test]
async fn a_logout_waiting_behind_a_rotation_also_revokes_the_rotated_token() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let token = app.header_session(&user).await;
    let held = hold_user(&app, user.id).await;

    let rotation = send(&app, Method::POST, ROTATE, &token);
    wait_for_lock_waiters(&app, 1).await;
    let logged_out = send(&app, Method::POST, LOGOUT, &token);
    wait_for_lock_waiters(&app, 2).await;
    held.commit().await.unwrap();

    let new_token = rotated_token(rotation.await.unwrap()).await;
    assert_eq!(logged_out.await.unwrap().status(), StatusCode::NO_CONTENT);
    let new_token = new_token.expect("the rotation went first and succeeds");
    assert_eq!(app.me_status(&new_token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(unrevoked_sessions(&app, user.id).await, 0);
}

/// What a password change does in one transaction: a new hash, every session revoked.
async fn change_password_held(
    app: &TestApp,
    user_id: Uuid,
) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut held = app.pool.begin().await.unwrap();
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(user_id)
        .bind("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
        .execute(&mut *held)
        .await
        .unwrap();
    sqlx::query("UPDATE session_tokens SET revoked_at = now() WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *held)
        .await
        .unwrap();
    held
}

#[tokio::test]
async fn a_rotation_waiting_on_a_password_change_is_refused() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let token = app.header_session(&user).await;
    let held = change_password_held(&app, user.id).await;

    let rotation = send(&app, Method::POST, ROTATE, &token);
    wait_for_lock_waiters(&app, 1).await;
    held.commit().await.unwrap();

    assert_eq!(rotation.await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unrevoked_sessions(&app, user.id).await, 0);
}

#[tokio::test]
async fn a_login_checked_against_a_password_changed_meanwhile_is_refused() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let mut held = hold_user(&app, user.id).await;

    let login = login_request(&app, &user.email, &user.password);
    let login = tokio::spawn(async move { login.send().await.unwrap() });
    wait_for_lock_waiters(&app, 1).await;
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(user.id)
        .bind("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
        .execute(&mut *held)
        .await
        .unwrap();
    held.commit().await.unwrap();

    assert_eq!(login.await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unrevoked_sessions(&app, user.id).await, 0);
}
