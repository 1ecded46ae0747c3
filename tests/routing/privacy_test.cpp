#include "routing/privacy.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hotline::routing {
namespace {

// --- mask_name ---------------------------------------------------------------

TEST(privacy_mask_name, keeps_the_first_character_of_chinese_names) {
  EXPECT_EQ(mask_name("张三"), "张*");
  EXPECT_EQ(mask_name("欧阳娜娜"), "欧***");
  EXPECT_EQ(mask_name("王"), "*"); // a one-character name is masked whole
}

TEST(privacy_mask_name, masks_latin_names_and_their_spaces) {
  EXPECT_EQ(mask_name("Li Lei"), "L*****");
  EXPECT_EQ(mask_name("A"), "*");
}

TEST(privacy_mask_name, leaves_empty_names_empty) {
  EXPECT_EQ(mask_name(""), "");
}

TEST(privacy_mask_name, counts_four_byte_characters_once) {
  EXPECT_EQ(mask_name("𠀀三"), "𠀀*"); // U+20000, CJK extension B
  EXPECT_EQ(mask_name("张𠀀"), "张*");
}

TEST(privacy_mask_name, never_copies_or_splits_invalid_bytes) {
  EXPECT_EQ(mask_name("\xff\xfe"), "**");
  EXPECT_EQ(mask_name("张\xe4\xb8"), "张**"); // truncated 三: two bytes, two stars
  EXPECT_EQ(mask_name("\xe5\xbc"), "**");
  EXPECT_TRUE(valid_utf8(mask_name("\xc0\xaf\xed\xa0\x80x")));
}

// --- mask_phone --------------------------------------------------------------

TEST(privacy_mask_phone, masks_the_middle_of_a_mobile_number) {
  EXPECT_EQ(mask_phone("13812345678"), "138****5678");
}

TEST(privacy_mask_phone, keeps_three_and_four_characters_of_long_numbers) {
  EXPECT_EQ(mask_phone("023-63891234"), "023*****1234");
  EXPECT_EQ(mask_phone("02363891234"), "023****1234");
  EXPECT_EQ(mask_phone("+8613812345678"), "+86*******5678");
}

TEST(privacy_mask_phone, shows_less_than_half_of_a_local_number) {
  EXPECT_EQ(mask_phone("63891234"), "*****234");
  EXPECT_EQ(mask_phone("1234567890"), "*******890");
}

TEST(privacy_mask_phone, keeps_at_most_the_last_two_of_short_strings) {
  EXPECT_EQ(mask_phone("1234567"), "*****67");
  EXPECT_EQ(mask_phone("12345"), "***45");
  EXPECT_EQ(mask_phone("123"), "**3");
  EXPECT_EQ(mask_phone("12"), "*2");
  EXPECT_EQ(mask_phone("1"), "*");
  EXPECT_EQ(mask_phone(""), "");
}

TEST(privacy_mask_phone, counts_characters_not_bytes_and_never_copies_invalid_bytes) {
  EXPECT_EQ(mask_phone("电话13812345678"), "电话1******5678");
  EXPECT_EQ(mask_phone("１３８１２３４５６７８"), "１３８****５６７８");
  EXPECT_EQ(mask_phone("\xff"
                       "2345678\xfe"),
            "******78*");
  EXPECT_TRUE(valid_utf8(mask_phone("12\xe4\xb8")));
}

// --- normalize_phone ---------------------------------------------------------

TEST(privacy_normalize_phone, accepts_plain_and_separated_numbers) {
  EXPECT_EQ(normalize_phone("13812345678"), "13812345678");
  EXPECT_EQ(normalize_phone("138 1234 5678"), "13812345678");
  EXPECT_EQ(normalize_phone("023-63891234"), "02363891234");
  EXPECT_EQ(normalize_phone("+86 138-1234-5678"), "+8613812345678");
  EXPECT_EQ(normalize_phone("023 - 6389 1234"), "02363891234");
  EXPECT_EQ(normalize_phone("  12345  "), "12345");
  EXPECT_EQ(normalize_phone("12345"), "12345");
  EXPECT_EQ(normalize_phone("12345678901234567890"), "12345678901234567890");
}

TEST(privacy_normalize_phone, rejects_too_few_or_too_many_digits) {
  EXPECT_EQ(normalize_phone("1234"), std::nullopt);
  EXPECT_EQ(normalize_phone("+1234"), std::nullopt);
  EXPECT_EQ(normalize_phone("12-34"), std::nullopt);
  EXPECT_EQ(normalize_phone("123456789012345678901"), std::nullopt);
  EXPECT_EQ(normalize_phone(""), std::nullopt);
  EXPECT_EQ(normalize_phone("   "), std::nullopt);
}

TEST(privacy_normalize_phone, rejects_misplaced_separators_and_plus_signs) {
  EXPECT_EQ(normalize_phone("-13812345678"), std::nullopt);
  EXPECT_EQ(normalize_phone("13812345678-"), std::nullopt);
  EXPECT_EQ(normalize_phone("+"), std::nullopt);
  EXPECT_EQ(normalize_phone("+ 8613812345678"), std::nullopt);
  EXPECT_EQ(normalize_phone("++8613812345678"), std::nullopt);
  EXPECT_EQ(normalize_phone("86+13812345678"), std::nullopt);
}

TEST(privacy_normalize_phone, rejects_other_characters) {
  EXPECT_EQ(normalize_phone("(023)63891234"), std::nullopt);
  EXPECT_EQ(normalize_phone("138.1234.5678"), std::nullopt);
  EXPECT_EQ(normalize_phone("138\t12345678"), std::nullopt);
  EXPECT_EQ(normalize_phone("1381234567x"), std::nullopt);
  EXPECT_EQ(normalize_phone("１３８１２３４５６７８"), std::nullopt); // full-width
  EXPECT_EQ(normalize_phone(std::string("13812") + '\0' + "345678"), std::nullopt);
}

// --- valid_utf8 / utf8_length ------------------------------------------------

TEST(privacy_valid_utf8, accepts_ascii_chinese_and_the_boundaries) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("hello"));
  EXPECT_TRUE(valid_utf8("重庆市12345热线"));
  EXPECT_TRUE(valid_utf8("\xc2\x80"));             // U+0080
  EXPECT_TRUE(valid_utf8("\xe0\xa0\x80"));         // U+0800
  EXPECT_TRUE(valid_utf8("\xed\x9f\xbf"));         // U+D7FF
  EXPECT_TRUE(valid_utf8("\xee\x80\x80"));         // U+E000
  EXPECT_TRUE(valid_utf8("\xef\xbf\xbf"));         // U+FFFF
  EXPECT_TRUE(valid_utf8("\xf0\x90\x80\x80"));     // U+10000
  EXPECT_TRUE(valid_utf8("\xf4\x8f\xbf\xbf"));     // U+10FFFF
  EXPECT_TRUE(valid_utf8(std::string("a\0b", 3))); // NUL is a code point
}

TEST(privacy_valid_utf8, rejects_overlong_forms) {
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));
  EXPECT_FALSE(valid_utf8("\xc1\xbf"));
  EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));
  EXPECT_FALSE(valid_utf8("\xe0\x9f\xbf"));
  EXPECT_FALSE(valid_utf8("\xf0\x80\x80\xaf"));
  EXPECT_FALSE(valid_utf8("\xf0\x8f\xbf\xbf"));
}

TEST(privacy_valid_utf8, rejects_surrogates) {
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));             // U+D800
  EXPECT_FALSE(valid_utf8("\xed\xbf\xbf"));             // U+DFFF
  EXPECT_FALSE(valid_utf8("\xed\xa0\xbd\xed\xb8\x80")); // CESU-8 pair
}

TEST(privacy_valid_utf8, rejects_code_points_above_u10ffff_and_bad_lead_bytes) {
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80")); // U+110000
  EXPECT_FALSE(valid_utf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(valid_utf8("\xf8\x88\x80\x80\x80"));
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("\x80")); // stray continuation byte
  EXPECT_FALSE(valid_utf8("a\xbf"));
}

TEST(privacy_valid_utf8, rejects_truncated_sequences) {
  EXPECT_FALSE(valid_utf8("\xc3"));
  EXPECT_FALSE(valid_utf8("\xe9\x87")); // 重 without its last byte
  EXPECT_FALSE(valid_utf8("\xf0\x90\x80"));
  EXPECT_FALSE(valid_utf8("\xe9\x87x")); // interrupted by ASCII
  EXPECT_FALSE(valid_utf8("重庆\xe5"));
}

TEST(privacy_utf8_length, counts_code_points) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("欧阳娜娜"), 4u);
  EXPECT_EQ(utf8_length("Li 雷𠀀"), 5u);
}

TEST(privacy_utf8_length, counts_each_invalid_byte_once) {
  EXPECT_EQ(utf8_length("\xe9\x87"), 2u);
  EXPECT_EQ(utf8_length("\xff\xfe"), 2u);
}

} // namespace
} // namespace hotline::routing
