-- CreateTable
CREATE TABLE "staff_accounts" (
    "id" TEXT NOT NULL,
    "login" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "must_change_password" BOOLEAN NOT NULL DEFAULT false,
    "disabled_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL,
    "password_changed_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "staff_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_sessions" (
    "id_hash" TEXT NOT NULL,
    "staff_id" TEXT NOT NULL,
    "csrf_token" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "last_seen_at" TIMESTAMP(3) NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "flash" JSONB,

    CONSTRAINT "staff_sessions_pkey" PRIMARY KEY ("id_hash")
);

-- CreateTable
CREATE TABLE "staff_sign_in_attempts" (
    "id" SERIAL NOT NULL,
    "account_key" TEXT NOT NULL,
    "address_key" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "succeeded" BOOLEAN NOT NULL,

    CONSTRAINT "staff_sign_in_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_api_tokens" (
    "id" TEXT NOT NULL,
    "staff_id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "last_used_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "staff_api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_audit_log" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "staff_id" TEXT,
    "staff_login" TEXT,
    "action" TEXT NOT NULL,
    "target_type" TEXT,
    "target_id" TEXT,
    "via" TEXT NOT NULL,
    "detail" JSONB,

    CONSTRAINT "staff_audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "staff_accounts_login_key" ON "staff_accounts"("login");

-- CreateIndex
CREATE INDEX "staff_sessions_staff_id_idx" ON "staff_sessions"("staff_id");

-- CreateIndex
CREATE INDEX "staff_sessions_expires_at_idx" ON "staff_sessions"("expires_at");

-- CreateIndex
CREATE INDEX "staff_sign_in_attempts_account_key_at_idx" ON "staff_sign_in_attempts"("account_key", "at");

-- CreateIndex
CREATE INDEX "staff_sign_in_attempts_address_key_at_idx" ON "staff_sign_in_attempts"("address_key", "at");

-- CreateIndex
CREATE UNIQUE INDEX "staff_api_tokens_token_hash_key" ON "staff_api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "staff_api_tokens_staff_id_idx" ON "staff_api_tokens"("staff_id");

-- CreateIndex
CREATE INDEX "staff_audit_log_at_idx" ON "staff_audit_log"("at");

-- CreateIndex
CREATE INDEX "staff_audit_log_target_id_idx" ON "staff_audit_log"("target_id");

-- AddForeignKey
ALTER TABLE "staff_sessions" ADD CONSTRAINT "staff_sessions_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_api_tokens" ADD CONSTRAINT "staff_api_tokens_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The audit log is append-only: the database itself refuses to change or delete an entry.
CREATE FUNCTION staff_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'staff_audit_log is append-only';
END;
$$;

CREATE TRIGGER staff_audit_log_no_update_or_delete
  BEFORE UPDATE OR DELETE ON "staff_audit_log"
  FOR EACH ROW EXECUTE FUNCTION staff_audit_log_append_only();
