-- Keys and retention (issue #8): personal fields of a booking can be erased (null) after the
-- retention period or at the user's request; the user's request is recorded; one key check
-- per field-encryption key.

-- AlterTable
ALTER TABLE "bookings" ADD COLUMN     "personal_data_erased_at" TIMESTAMP(3),
ALTER COLUMN "name_enc" DROP NOT NULL,
ALTER COLUMN "job_seeker_number_enc" DROP NOT NULL,
ALTER COLUMN "phone_enc" DROP NOT NULL,
ALTER COLUMN "topic_enc" DROP NOT NULL;

-- AlterTable
ALTER TABLE "line_users" ADD COLUMN     "erasure_requested_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "field_key_checks" (
    "key_id" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "field_key_checks_pkey" PRIMARY KEY ("key_id")
);

-- CreateIndex
CREATE INDEX "bookings_personal_data_erased_at_starts_at_idx" ON "bookings"("personal_data_erased_at", "starts_at");
