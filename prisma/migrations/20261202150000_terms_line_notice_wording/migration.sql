-- AlterTable
ALTER TABLE "terms_versions" ADD COLUMN     "line_notice_wording" TEXT;
