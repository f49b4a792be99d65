-- AlterTable
ALTER TABLE "line_users" ADD COLUMN     "no_show_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "refusal_lifted_at" TIMESTAMP(3),
ADD COLUMN     "refusal_reason" TEXT,
ADD COLUMN     "refused_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "bookings" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "date" TEXT NOT NULL,
    "start_time" TEXT NOT NULL,
    "starts_at" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'confirmed',
    "name_enc" TEXT NOT NULL,
    "job_seeker_number_enc" TEXT NOT NULL,
    "phone_enc" TEXT NOT NULL,
    "phone_changed" BOOLEAN NOT NULL DEFAULT false,
    "topic_enc" TEXT NOT NULL,
    "attendant" TEXT NOT NULL DEFAULT 'none',
    "attendant_language" TEXT,
    "meeting_url" TEXT,
    "terms_version_id" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "cancelled_at" TIMESTAMP(3),
    "cancelled_by" TEXT,
    "cancel_reason" TEXT,
    "outcome_recorded_at" TIMESTAMP(3),

    CONSTRAINT "bookings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "slot_seats" (
    "date" TEXT NOT NULL,
    "start_time" TEXT NOT NULL,
    "seat" INTEGER NOT NULL,
    "booking_id" TEXT NOT NULL,

    CONSTRAINT "slot_seats_pkey" PRIMARY KEY ("date","start_time","seat")
);

-- CreateTable
CREATE TABLE "pushes" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "booking_id" TEXT,
    "due_at" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "retry_key" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3) NOT NULL,
    "lease_until" TIMESTAMP(3),
    "last_error" TEXT,
    "sent_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "data" JSONB,

    CONSTRAINT "pushes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "office_days" (
    "date" TEXT NOT NULL,
    "open" BOOLEAN NOT NULL,
    "note" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "office_days_pkey" PRIMARY KEY ("date")
);

-- CreateIndex
CREATE INDEX "bookings_user_id_status_idx" ON "bookings"("user_id", "status");

-- CreateIndex
CREATE INDEX "bookings_date_status_idx" ON "bookings"("date", "status");

-- CreateIndex
CREATE UNIQUE INDEX "slot_seats_booking_id_key" ON "slot_seats"("booking_id");

-- CreateIndex
CREATE UNIQUE INDEX "pushes_retry_key_key" ON "pushes"("retry_key");

-- CreateIndex
CREATE INDEX "pushes_status_next_attempt_at_idx" ON "pushes"("status", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "pushes_booking_id_kind_key" ON "pushes"("booking_id", "kind");

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "line_users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "slot_seats" ADD CONSTRAINT "slot_seats_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "bookings"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pushes" ADD CONSTRAINT "pushes_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "bookings"("id") ON DELETE SET NULL ON UPDATE CASCADE;
